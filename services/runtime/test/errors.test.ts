import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { ProviderError } from "@berth/provider-sdk";
import { describe, expect, it } from "vitest";
import { BerthError, fromProviderError, invalidArgument, PROVIDER_ERROR_REASONS } from "../src/index.js";

describe("BerthError", () => {
  it("takes its gRPC status from the reason table", () => {
    expect(new BerthError(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, "gone").code).toBe(GrpcStatus.NOT_FOUND);
    expect(new BerthError(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED, "used").code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(invalidArgument("bad", [], ErrorReason.ERROR_REASON_INVALID_PAGE_TOKEN).code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it("still accepts the older (status, reason, message) form, with the table's status", () => {
    const error = new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, "gone", { metadata: { id: "bkp_1" } });
    expect(error.code).toBe(GrpcStatus.NOT_FOUND);
    expect(error.reason).toBe(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND);
    expect(error.message).toBe("gone");
    expect(error.metadata).toEqual({ id: "bkp_1" });
  });
});

describe("provider errors", () => {
  it("map every provider error code to a reason in one table", () => {
    const classified = fromProviderError(new ProviderError("authentication_failed", "password authentication failed for user app"));
    expect(classified.reason).toBe(ErrorReason.ERROR_REASON_CONNECTION_AUTHENTICATION_FAILED);
    expect(classified.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    const invalid = fromProviderError(new ProviderError("invalid_input", "port must be 1-65535", { field: "connection_url" }));
    expect(invalid.fieldViolations).toEqual([{ field: "connection_url", description: "port must be 1-65535" }]);
    for (const reason of Object.values(PROVIDER_ERROR_REASONS)) expect(typeof reason).toBe("number");
  });

  it("hide an untyped error behind INTERNAL, redacted", () => {
    const error = fromProviderError(new Error("connect to postgres://app:hunter2@db:5432/app failed"), ["hunter2"]);
    expect(error.reason).toBe(ErrorReason.ERROR_REASON_INTERNAL);
    expect(error.message).not.toContain("hunter2");
  });
});
