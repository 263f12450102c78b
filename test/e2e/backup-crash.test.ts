import { existsSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { BackupStatus } from "@berth/client";
import { adminQuery, databaseUrl, withPostgres } from "../support/env.js";
import { testDeployment } from "../support/berth-server.js";

const deployment = testDeployment();
afterAll(async () => {
  await deployment.cleanup();
});

describe("a worker killed in the middle of a large backup", () => {
  it("never lists a half-written artifact as restorable, and the redelivered job succeeds", async () => {
    const jobs = { ackWaitMs: 2000 };
    let server = await deployment.start({ jobs });
    let api = server.client(deployment.secrets.adminToken);
    const internal = server.client(deployment.secrets.internalToken);
    const { dependency } = await api.dependency.provisionDependency({ requestId: "big-db", projectId: "prj_big", environmentId: "env_a", name: "db", kind: "postgres", realizationTarget: "", deletionProtection: false });
    for await (const update of api.dependency.watchDependency({ id: dependency!.id, untilSettled: true }, { timeoutMs: 60_000 })) void update;
    const { dependency: ready } = await api.dependency.getDependency({ id: dependency!.id });
    const url = (await internal.dependencyInternal.resolveConnectionSecret({ secretRef: ready!.connectionSecretRef, purpose: "test" })).connectionUrl;
    internal.close();
    // ~150 MB of incompressible text: the dump takes long enough to be caught mid-way.
    await withPostgres(url, async (client) => {
      await client.query("CREATE TABLE big (id int, payload text)");
      await client.query("INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 1200000) g");
    });

    const { backup } = await api.backup.createBackup({ requestId: "big-backup", dependencyId: dependency!.id, retentionDays: 0 });
    const artifactsDir = deployment.artifactDir;
    const statusOf = async () => (await adminQuery<{ status: string; bytes_done: string }>("SELECT status, bytes_done FROM berth_backup.backups WHERE id = $1", [backup!.id], databaseUrl(deployment.databaseName)))[0];
    for (let i = 0; i < 600; i++) {
      const row = await statusOf();
      if (row.status === "running" && Number(row.bytes_done) > 0) break;
      await sleep(25);
    }
    api.close();
    await server.kill();

    const afterKill = await statusOf();
    expect(afterKill.status).not.toBe("succeeded");
    expect(readdirSync(artifactsDir).filter((f) => f.endsWith(".artifact"))).toEqual([]);

    server = await deployment.start({ jobs });
    api = server.client(deployment.secrets.adminToken);
    try {
      // Nothing restorable is listed while the retry runs.
      const { backups: during } = await api.backup.listBackups({ dependencyId: dependency!.id, status: BackupStatus.BACKUP_STATUS_SUCCEEDED, pageSize: 0, pageToken: "", showDeleted: false });
      expect(during.filter((b) => b.id === backup!.id && !existsSync(`${artifactsDir}/${b.id}.artifact`))).toEqual([]);
      let last;
      for await (const update of api.backup.watchBackup({ id: backup!.id, untilSettled: true }, { timeoutMs: 120_000 })) last = update.backup;
      expect(last?.status, last?.statusReason).toBe(BackupStatus.BACKUP_STATUS_SUCCEEDED);
      expect(existsSync(`${artifactsDir}/${backup!.id}.artifact`)).toBe(true);
      expect(existsSync(`${artifactsDir}/${backup!.id}.artifact.partial`)).toBe(false);
      await api.backup.deleteBackup({ id: backup!.id, requestId: "big-del" });
    } finally {
      api.close();
      await server.stop();
    }
  }, 240_000);
});
