import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BerthClient } from "@berth/client";
import { POSTGRES_ADMIN_URL } from "../support/env.js";
import { testDeployment } from "../support/berth-server.js";
import type { ServerProcess } from "../support/server-process.js";

const deployment = testDeployment();
let server: ServerProcess;
let api: BerthClient;
beforeAll(async () => {
  server = await deployment.start();
  api = server.client(deployment.secrets.adminToken);
});
afterAll(async () => {
  api?.close();
  await server?.stop();
  await deployment.cleanup();
});

const CONCURRENT = 20;

/** Sends the same create `CONCURRENT` times at once; every call must answer, all with one id. */
async function sameRecordFromAll(create: () => Promise<string>): Promise<string> {
  const answers = await Promise.allSettled(Array.from({ length: CONCURRENT }, create));
  const failures = answers.flatMap((a) => (a.status === "rejected" ? [String((a.reason as Error).message)] : []));
  expect(failures).toEqual([]);
  const ids = new Set(answers.map((a) => (a as PromiseFulfilledResult<string>).value));
  expect(ids.size).toBe(1);
  return [...ids][0];
}

describe("a create retried concurrently with one request id returns one record", () => {
  it("for provision, import, backup, restore, resource, runtime target, bind and deployment", async () => {
    const dependencyId = await sameRecordFromAll(async () => {
      const { dependency } = await api.dependency.provisionDependency({ requestId: "race-prov", projectId: "prj_race", environmentId: "env_a", name: "db", kind: "postgres", realizationTarget: "", deletionProtection: false });
      return dependency!.id;
    });
    for await (const update of api.dependency.watchDependency({ id: dependencyId, untilSettled: true }, { timeoutMs: 60_000 })) void update;

    await sameRecordFromAll(async () => {
      const { dependency } = await api.dependency.importDependency({ requestId: "race-import", projectId: "prj_race", environmentId: "env_a", name: "ext", kind: "postgres", connectionUrl: POSTGRES_ADMIN_URL, probe: false, deletionProtection: false });
      return dependency!.id;
    });

    const backupId = await sameRecordFromAll(async () => {
      const { backup } = await api.backup.createBackup({ requestId: "race-backup", dependencyId, retentionDays: 0 });
      return backup!.id;
    });
    for await (const update of api.backup.watchBackup({ id: backupId, untilSettled: true }, { timeoutMs: 60_000 })) void update;

    const restoreId = await sameRecordFromAll(async () => {
      const { restore } = await api.backup.restoreBackup({ requestId: "race-restore", backupId, acknowledgeDataOverwrite: true });
      return restore!.id;
    });
    // The one restore really runs and ends.
    let settled;
    for await (const update of api.backup.watchRestore({ id: restoreId, untilSettled: true }, { timeoutMs: 60_000 })) settled = update.restore;
    expect(settled?.status).toBe(3);
    const { restores } = await api.backup.listRestores({ dependencyId, backupId: "", status: 0, pageSize: 0, pageToken: "" });
    expect(restores.map((r) => r.id)).toEqual([restoreId]);

    const resourceId = await sameRecordFromAll(async () => {
      const { resource } = await api.deployment.createResource({ requestId: "race-res", projectId: "prj_race", environmentId: "env_a", name: "web", command: "true", cwd: "", env: {}, healthUrl: "" });
      return resource!.id;
    });
    const targetId = await sameRecordFromAll(async () => {
      const { runtimeTarget } = await api.deployment.createRuntimeTarget({ requestId: "race-srv", name: "racer", kind: "local-process", canDeliverDependencySecrets: true });
      return runtimeTarget!.id;
    });
    await sameRecordFromAll(async () => {
      const { binding } = await api.binding.bindDependency({ requestId: "race-bind", projectId: "prj_race", environmentId: "env_a", resourceId, dependencyId, targetEnvVar: "DATABASE_URL" });
      return binding!.id;
    });
    await sameRecordFromAll(async () => {
      const { deployment: created } = await api.deployment.createDeployment({ requestId: "race-dpl", resourceId, runtimeTargetId: targetId });
      return created!.id;
    });
  }, 180_000);
});
