import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupAttemptOutcome, type BerthClient } from "@berth/client";
import { BACKUP_SCHEMA, backupStore, policyStore } from "@berth/backup-service";
import { createKnex, type Knex } from "@berth/runtime";
import { adminQuery, databaseUrl } from "../support/env.js";
import { eventually } from "../support/poll.js";
import { testDeployment } from "../support/berth-server.js";
import type { ServerProcess } from "../support/server-process.js";

const deployment = testDeployment();
const replicas: ServerProcess[] = [];
let api: BerthClient;
const db = () => databaseUrl(deployment.databaseName);
const REDIS_DB = 12;

let backupDb: Knex;

beforeAll(async () => {
  // Two replicas of the same control plane, both running the scheduler.
  for (let i = 0; i < 2; i++) replicas.push(await deployment.start({ backupScheduler: { enabled: true, tickMs: 200 } }));
  api = replicas[0].client(deployment.secrets.adminToken);
  backupDb = createKnex(db(), { schema: BACKUP_SCHEMA, poolMax: 2 });
  const redis = new Redis(`redis://127.0.0.1:6379/${REDIS_DB}`);
  await redis.flushdb();
  await redis.set("k", "v");
  redis.disconnect();
});
afterAll(async () => {
  api?.close();
  await backupDb?.destroy();
  for (const replica of replicas) await replica.stop();
  await deployment.cleanup();
});

describe("scheduled backups with two replicas", () => {
  it("each due run produces exactly one backup, and retention removes expired ones with their artifacts", async () => {
    const { dependency } = await api.dependency.importDependency({ requestId: "sch-imp", projectId: "prj_sch", environmentId: "env_a", name: "cache", kind: "redis", connectionUrl: `redis://127.0.0.1:6379/${REDIS_DB}`, probe: false, deletionProtection: false });
    const { policy, schedulerEnabled } = await api.backup.configureBackupPolicy({ requestId: "sch-pol", dependencyId: dependency!.id, intervalHours: 24, retentionDays: 7, retryOnFailure: true, enabled: true });
    expect(schedulerEnabled).toBe(true);
    expect(Date.parse(policy!.nextRunTime!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);

    for (let run = 1; run <= 3; run++) {
      // Time travel: the policy becomes due now.
      await policyStore.reschedule(backupDb, policy!.id, new Date());
      await eventually(
        () => adminQuery<{ n: string }>("SELECT count(*) AS n FROM berth_backup.backups WHERE policy_id = $1 AND status = 'succeeded'", [policy!.id], db()),
        (rows) => Number(rows[0].n) >= run,
      );
      await sleep(1000); // give the other replica every chance to double-fire
    }
    const backups = await adminQuery<{ id: string; trigger: string }>("SELECT id, trigger FROM berth_backup.backups WHERE policy_id = $1", [policy!.id], db());
    expect(backups).toHaveLength(3);
    expect(backups.every((b) => b.trigger === "scheduled")).toBe(true);
    const { attempts } = await api.backup.listBackupAttempts({ policyId: policy!.id, dependencyId: "", outcome: 0, pageSize: 0, pageToken: "" });
    expect(attempts.map((a) => a.outcome)).toEqual([2, 2, 2].map(() => BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_SUCCEEDED));
    expect(new Set(attempts.map((a) => a.backupId))).toEqual(new Set(backups.map((b) => b.id)));
    const { policy: after } = await api.backup.getBackupPolicy({ id: "", dependencyId: dependency!.id });
    expect(after?.lastAttempt?.outcome).toBe(BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_SUCCEEDED);

    // Retention: the oldest restore point expires; it and its artifact go.
    const oldest = backups[0].id;
    expect(existsSync(join(deployment.artifactDir, `${oldest}.artifact`))).toBe(true);
    await backupStore.updateBackup(backupDb, oldest, { expireAt: new Date(Date.now() - 60_000) });
    const gone = await eventually(
      () => adminQuery<{ deleted_at: Date | null }>("SELECT deleted_at FROM berth_backup.backups WHERE id = $1", [oldest], db()),
      (rows) => rows[0].deleted_at !== null,
    );
    expect(gone[0].deleted_at).not.toBeNull();
    expect(existsSync(join(deployment.artifactDir, `${oldest}.artifact`))).toBe(false);
    expect(existsSync(join(deployment.artifactDir, `${backups[1].id}.artifact`))).toBe(true);
  }, 120_000);

  it("a failed scheduled run with retry-on-failure is retried with backoff, not a day later", async () => {
    const { dependency } = await api.dependency.importDependency({ requestId: "sch-imp-2", projectId: "prj_sch", environmentId: "env_a", name: "down", kind: "redis", connectionUrl: "redis://127.0.0.1:1/0", probe: false, deletionProtection: false });
    const { policy } = await api.backup.configureBackupPolicy({ requestId: "sch-pol-2", dependencyId: dependency!.id, intervalHours: 24, retentionDays: 7, retryOnFailure: true, enabled: true });
    await policyStore.reschedule(backupDb, policy!.id, new Date());
    const attempts = await eventually(
      async () => (await api.backup.listBackupAttempts({ policyId: policy!.id, dependencyId: "", outcome: 0, pageSize: 0, pageToken: "" })).attempts,
      (list) => list.some((a) => a.outcome === BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_FAILED),
      90_000,
    );
    expect(attempts).toHaveLength(1);
    expect(attempts[0].reason).toMatch(/cannot connect to redis/);
    const { policy: after } = await api.backup.getBackupPolicy({ id: policy!.id, dependencyId: "" });
    const retryIn = Date.parse(after!.nextRunTime!) - Date.now();
    expect(retryIn).toBeGreaterThan(0);
    expect(retryIn).toBeLessThanOrEqual(5 * 60_000);
  }, 120_000);
});
