import { describe, expect, it } from "vitest";
import { isBerthApiError } from "@berth/client";
import { POSTGRES_ADMIN_URL } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";

const deployment = testDeployment();
const served = serveForTests(deployment);

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

/**
 * The one idempotency rule, for one create: 20 concurrent calls with one request id
 * make one record; a later retry with the same parameters returns it again; the
 * same id with other parameters is refused with request_id_reused (INVALID_ARGUMENT).
 */
async function oneRecordPerRequestId(create: () => Promise<string>, withOtherParameters: () => Promise<unknown>): Promise<string> {
  const id = await sameRecordFromAll(create);
  expect(await create()).toBe(id);
  const refused = await withOtherParameters().then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isBerthApiError(refused) ? { reason: refused.reason, code: refused.codeName } : refused).toEqual({ reason: "request_id_reused", code: "INVALID_ARGUMENT" });
  return id;
}

describe("a create retried with one request id returns one record, and refuses other parameters", () => {
  it("for provision, import, backup, restore, drill, resource, runtime target, bind and deployment", async () => {
    const dependencyId = await oneRecordPerRequestId(
      async () => {
        const { dependency } = await served.api.dependency.provisionDependency({ requestId: "race-prov", projectId: "prj_race", environmentId: "env_a", name: "db", kind: "postgres", realizationTarget: "", deletionProtection: false });
        return dependency!.id;
      },
      () => served.api.dependency.provisionDependency({ requestId: "race-prov", projectId: "prj_race", environmentId: "env_a", name: "db-other", kind: "postgres", realizationTarget: "", deletionProtection: false }),
    );
    for await (const update of served.api.dependency.watchDependency({ id: dependencyId, untilSettled: true }, { timeoutMs: 60_000 })) void update;

    await oneRecordPerRequestId(
      async () => {
        const { dependency } = await served.api.dependency.importDependency({ requestId: "race-import", projectId: "prj_race", environmentId: "env_a", name: "ext", kind: "postgres", connectionUrl: POSTGRES_ADMIN_URL, probe: false, deletionProtection: false });
        return dependency!.id;
      },
      () => served.api.dependency.importDependency({ requestId: "race-import", projectId: "prj_race", environmentId: "env_a", name: "ext-other", kind: "postgres", connectionUrl: POSTGRES_ADMIN_URL, probe: false, deletionProtection: false }),
    );

    const backupId = await oneRecordPerRequestId(
      async () => {
        const { backup } = await served.api.backup.createBackup({ requestId: "race-backup", dependencyId, retentionDays: 0 });
        return backup!.id;
      },
      () => served.api.backup.createBackup({ requestId: "race-backup", dependencyId, retentionDays: 7 }),
    );
    for await (const update of served.api.backup.watchBackup({ id: backupId, untilSettled: true }, { timeoutMs: 60_000 })) void update;

    const restoreId = await oneRecordPerRequestId(
      async () => {
        const { restore } = await served.api.backup.restoreBackup({ requestId: "race-restore", backupId, acknowledgeDataOverwrite: true });
        return restore!.id;
      },
      () => served.api.backup.restoreBackup({ requestId: "race-restore", backupId, acknowledgeDataOverwrite: true, skipSafetyBackup: true }),
    );
    // The one restore really runs and ends.
    let settled;
    for await (const update of served.api.backup.watchRestore({ id: restoreId, untilSettled: true }, { timeoutMs: 60_000 })) settled = update.restore;
    expect(settled?.status).toBe(3);
    const { restores } = await served.api.backup.listRestores({ dependencyId, backupId: "", status: 0, pageSize: 0, pageToken: "" });
    expect(restores.map((r) => r.id)).toEqual([restoreId]);

    const drillId = await oneRecordPerRequestId(
      async () => {
        const { drill } = await served.api.backup.verifyBackup({ requestId: "race-drill", backupId, checkEnv: "DATABASE_URL", checkTimeoutSeconds: 60 });
        return drill!.id;
      },
      () => served.api.backup.verifyBackup({ requestId: "race-drill", backupId, checkEnv: "OTHER_URL", checkTimeoutSeconds: 60 }),
    );
    const { drills } = await served.api.backup.listDrills({ dependencyId, pageSize: 0, pageToken: "" });
    expect(drills.map((d) => d.id)).toEqual([drillId]);

    const resourceId = await oneRecordPerRequestId(
      async () => {
        const { resource } = await served.api.deployment.createResource({ requestId: "race-res", projectId: "prj_race", environmentId: "env_a", name: "web", command: "true", cwd: "", env: {}, healthUrl: "" });
        return resource!.id;
      },
      () => served.api.deployment.createResource({ requestId: "race-res", projectId: "prj_race", environmentId: "env_a", name: "web", command: "false", cwd: "", env: {}, healthUrl: "" }),
    );
    const targetId = await oneRecordPerRequestId(
      async () => {
        const { runtimeTarget } = await served.api.deployment.createRuntimeTarget({ requestId: "race-srv", name: "racer", kind: "local-process", canDeliverDependencySecrets: true });
        return runtimeTarget!.id;
      },
      () => served.api.deployment.createRuntimeTarget({ requestId: "race-srv", name: "racer-other", kind: "local-process", canDeliverDependencySecrets: true }),
    );
    await oneRecordPerRequestId(
      async () => {
        const { binding } = await served.api.binding.bindDependency({ requestId: "race-bind", projectId: "prj_race", environmentId: "env_a", resourceId, dependencyId, targetEnvVar: "DATABASE_URL" });
        return binding!.id;
      },
      () => served.api.binding.bindDependency({ requestId: "race-bind", projectId: "prj_race", environmentId: "env_a", resourceId, dependencyId, targetEnvVar: "OTHER_URL" }),
    );
    await oneRecordPerRequestId(
      async () => {
        const { deployment: created } = await served.api.deployment.createDeployment({ requestId: "race-dpl", resourceId, runtimeTargetId: targetId });
        return created!.id;
      },
      () => served.api.deployment.createDeployment({ requestId: "race-dpl", resourceId, runtimeTargetId: "srv_other" }),
    );
  }, 180_000);
});
