import { status as GrpcStatus } from "@grpc/grpc-js";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DependencyStatus } from "@berth/client";
import { withPostgres } from "../../../test/support/env.js";
import { startDependencyHarness, type Harness } from "./harness.js";
import { apiError, provision, READY, resolveUrl, uniqueName, waitSettled } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startDependencyHarness();
});
afterAll(async () => {
  await h?.close();
});

function query(url: string, sql: string): Promise<pg.QueryResult> {
  return withPostgres(url, (client) => client.query(sql));
}

describe("provision a managed postgres", () => {
  it("returns at once in provisioning, then becomes ready with a working connection", async () => {
    const created = await provision(h.admin, uniqueName("app-db"));
    expect(created.status).toBe(DependencyStatus.DEPENDENCY_STATUS_PROVISIONING);
    expect(created.id).toMatch(/^dep_/);

    const ready = await waitSettled(h.admin, created.id);
    expect(ready.status).toBe(READY);
    expect(ready.connectionSecretRef).toBe(`secret://${created.id}/connection@1`);
    expect(ready.maskedConnectionUrl).toMatch(/^postgres:\/\/berth_dep_[a-z0-9_]+:\*\*\*\*@/);
    expect(ready.metadata.database).toBe(`berth_${created.id.toLowerCase()}`);

    const url = await resolveUrl(h.internal, ready);
    await query(url, "CREATE TABLE notes (id serial primary key, body text)");
    await query(url, "INSERT INTO notes (body) VALUES ('hello')");
    expect((await query(url, "SELECT body FROM notes")).rows).toEqual([{ body: "hello" }]);
  });

  it("keeps dependencies apart: one role cannot connect to another's database", async () => {
    const first = await waitSettled(h.admin, (await provision(h.admin, uniqueName("first"))).id);
    const second = await waitSettled(h.admin, (await provision(h.admin, uniqueName("second"))).id);
    const intruder = new URL(await resolveUrl(h.internal, second));
    intruder.pathname = `/${first.metadata.database}`;
    await expect(query(intruder.toString(), "SELECT 1")).rejects.toThrow(/permission denied/);
  });

  it("is idempotent by request id and refuses a duplicate name", async () => {
    const name = uniqueName("dup");
    const requestId = `req-${name}`;
    const first = await provision(h.admin, name, { requestId });
    const retry = await provision(h.admin, name, { requestId });
    expect(retry.id).toBe(first.id);

    const duplicate = await apiError(provision(h.admin, name));
    expect(duplicate.code).toBe(GrpcStatus.ALREADY_EXISTS);
    expect(duplicate.reason).toBe("dependency_already_exists");

    const reused = await apiError(provision(h.admin, uniqueName("other"), { requestId }));
    expect(reused.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(reused.reason).toBe("request_id_reused");
    await waitSettled(h.admin, first.id);
  });

  it("allows the same name in another project", async () => {
    const name = uniqueName("shared-name");
    const a = await provision(h.admin, name);
    const b = await provision(h.admin, name, { projectId: "prj_other" });
    expect(b.id).not.toBe(a.id);
    await Promise.all([waitSettled(h.admin, a.id), waitSettled(h.admin, b.id)]);
  });

  it("rejects bad input with field violations and records nothing", async () => {
    const before = (await h.admin.dependency.listDependencies({ projectId: "", environmentId: "", kind: "", status: 0, pageSize: 500, pageToken: "", showDeleted: true })).dependencies.length;
    const bad = await apiError(
      h.admin.dependency.provisionDependency({ requestId: "x1", projectId: "prod", environmentId: "env_test", name: "Bad Name", kind: "postgres", realizationTarget: "", deletionProtection: false }),
    );
    expect(bad.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(bad.reason).toBe("invalid_argument");
    expect(bad.fieldViolations.map((v) => v.field).sort()).toEqual(["name", "project_id"]);

    const kind = await apiError(
      h.admin.dependency.provisionDependency({ requestId: "x2", projectId: "prj_test", environmentId: "env_test", name: "ok", kind: "mongodb", realizationTarget: "", deletionProtection: false }),
    );
    expect(kind.reason).toBe("dependency_kind_unsupported");

    const target = await apiError(
      h.admin.dependency.provisionDependency({ requestId: "x3", projectId: "prj_test", environmentId: "env_test", name: "ok", kind: "postgres", realizationTarget: "nope", deletionProtection: false }),
    );
    expect(target.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(target.reason).toBe("realization_target_unavailable");

    const after = (await h.admin.dependency.listDependencies({ projectId: "", environmentId: "", kind: "", status: 0, pageSize: 500, pageToken: "", showDeleted: true })).dependencies.length;
    expect(after).toBe(before);
  });

  it("fails with a safe reason when the realization target refuses", async () => {
    const broken = await startDependencyHarness({
      targets: [{ name: "broken", kind: "postgres", adminUrl: "postgres://postgres:NotThePassword1234@127.0.0.1:1/postgres" }],
    });
    try {
      const created = await provision(broken.admin, uniqueName("doomed"));
      // target_unavailable is retried; each delivery fails fast on a closed port.
      const settled = await waitSettled(broken.admin, created.id, 120_000);
      expect(settled.status).toBe(DependencyStatus.DEPENDENCY_STATUS_FAILED);
      expect(settled.statusReason).toMatch(/cannot connect to the postgres realization target/);
      expect(settled.statusReason).not.toContain("NotThePassword1234");
      expect(broken.logs()).not.toContain("NotThePassword1234");
    } finally {
      await broken.close();
    }
  }, 150_000);
});
