import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyStatus } from "@berth/client";
import { adminQuery, databaseUrl, dropDatabase, uniqueSuffix } from "../../../test/support/env.js";
import { startDependencyHarness, type Harness } from "./harness.js";
import { apiError, importUrl, provision, resolveUrl, uniqueName, waitSettled } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startDependencyHarness();
});
afterAll(async () => {
  await h?.close();
});

async function databaseExists(name: string): Promise<boolean> {
  return (await adminQuery("SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;
}
async function roleExists(name: string): Promise<boolean> {
  return (await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length === 1;
}

describe("delete", () => {
  it("releases a managed postgres: database and role are dropped, the record is marked deleted", async () => {
    const ready = await waitSettled(h.admin, (await provision(h.admin, uniqueName("gone"))).id);
    const database = ready.metadata.database;
    expect(await databaseExists(database)).toBe(true);

    const { dependency: deleted } = await h.admin.dependency.deleteDependency({ id: ready.id, requestId: uniqueName("del") });
    expect(deleted?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_DELETED);
    expect(deleted?.deleteTime).toBeTruthy();
    expect(await databaseExists(database)).toBe(false);
    expect(await roleExists(database)).toBe(false);

    // Safe to retry; the record stays readable but leaves default lists; the name is free again.
    const again = await h.admin.dependency.deleteDependency({ id: ready.id, requestId: uniqueName("del") });
    expect(again.dependency?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_DELETED);
    const listed = await h.admin.dependency.listDependencies({ projectId: ready.projectId, environmentId: ready.environmentId, kind: "", status: 0, pageSize: 500, pageToken: "", showDeleted: false });
    expect(listed.dependencies.map((d) => d.id)).not.toContain(ready.id);
    const secret = await apiError(resolveUrl(h.internal, ready));
    expect(secret.reason).toBe("secret_not_found");
    const reused = await provision(h.admin, ready.name);
    await waitSettled(h.admin, reused.id);
  });

  it("forgets an imported dependency without touching the external system", async () => {
    const external = `berth_ext_${uniqueSuffix()}`;
    await adminQuery(`CREATE DATABASE ${external}`);
    try {
      const imported = await importUrl(h.admin, "postgres", databaseUrl(external));
      const { dependency } = await h.admin.dependency.deleteDependency({ id: imported.id, requestId: uniqueName("del") });
      expect(dependency?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_DELETED);
      expect(await databaseExists(external)).toBe(true);
    } finally {
      await dropDatabase(external);
    }
  });

  it("refuses while deletion protection is on, listing the blocking reference, and changes nothing", async () => {
    const ready = await waitSettled(h.admin, (await provision(h.admin, uniqueName("kept"), { deletionProtection: true })).id);
    const blocked = await apiError(h.admin.dependency.deleteDependency({ id: ready.id, requestId: uniqueName("del") }));
    expect(blocked.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(blocked.reason).toBe("dependency_delete_blocked");
    expect(Object.values(blocked.metadata)).toContain("provider:deletion_protection");
    expect(blocked.message).toMatch(/deletion protection/);
    const { dependency: still } = await h.admin.dependency.getDependency({ id: ready.id });
    expect(still?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_READY);
    expect(await databaseExists(ready.metadata.database)).toBe(true);

    await h.admin.dependency.updateDependency({ id: ready.id, requestId: uniqueName("upd"), deletionProtection: false });
    const { dependency: deleted } = await h.admin.dependency.deleteDependency({ id: ready.id, requestId: uniqueName("del") });
    expect(deleted?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_DELETED);
  });

  it("answers NOT_FOUND for an unknown id", async () => {
    for (const id of ["dep_doesnotexist000", "not-an-id", ""]) {
      const error = await apiError(h.admin.dependency.getDependency({ id }));
      expect(error.code).toBe(GrpcStatus.NOT_FOUND);
      expect(error.reason).toBe("dependency_not_found");
    }
    const error = await apiError(h.admin.dependency.deleteDependency({ id: "dep_doesnotexist000", requestId: "x" }));
    expect(error.reason).toBe("dependency_not_found");
  });
});
