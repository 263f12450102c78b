import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBerthClient } from "@berth/client";
import { startDependencyHarness, type Harness } from "./harness.js";
import { apiError, importUrl } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startDependencyHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("auth", () => {
  it("refuses a call without a token or with a wrong one (UNAUTHENTICATED)", async () => {
    const missing = await apiError(h.anonymous.dependency.listDependencies({ projectId: "", environmentId: "", kind: "", status: 0, pageSize: 1, pageToken: "", showDeleted: false }));
    expect(missing.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(missing.reason).toBe("unauthenticated");

    const wrongToken = "wrong-token-value-123456789";
    const wrong = createBerthClient({ address: h.address, token: wrongToken });
    try {
      const error = await apiError(wrong.dependency.getDependency({ id: "dep_x" }));
      expect(error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(error.message).not.toContain(wrongToken);
    } finally {
      wrong.close();
    }
  });

  it("refuses the admin token on internal RPCs (PERMISSION_DENIED) and accepts the internal token", async () => {
    const dependency = await importUrl(h.admin, "redis", "redis://cache.internal:6379/0");
    const denied = await apiError(h.admin.dependencyInternal.resolveConnectionSecret({ secretRef: dependency.connectionSecretRef, purpose: "test" }));
    expect(denied.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(denied.reason).toBe("permission_denied");

    const missing = await apiError(h.anonymous.dependencyInternal.resolveConnectionSecret({ secretRef: dependency.connectionSecretRef, purpose: "test" }));
    expect(missing.code).toBe(GrpcStatus.UNAUTHENTICATED);

    const resolved = await h.internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency.connectionSecretRef, purpose: "test" });
    expect(resolved.connectionUrl).toBe("redis://cache.internal:6379/0");
    // Services call each other's public RPCs with the internal token.
    const { dependency: viaInternal } = await h.internal.dependency.getDependency({ id: dependency.id });
    expect(viaInternal?.id).toBe(dependency.id);
  });
});
