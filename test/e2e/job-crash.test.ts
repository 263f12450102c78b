import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { DependencyStatus } from "@berth/client";
import { testDeployment, type TestDeployment } from "../support/berth-server.js";
import { fingerprint, onTarget, readyDependency, recordOf, seedTarget, waitAllSettled, waitRunning } from "../support/jobs.js";

// A few kills per messaging mode in CI; an operator runs more with BERTH_CRASH_ITERATIONS=10.
const ITERATIONS = Number(process.env.BERTH_CRASH_ITERATIONS ?? 2);
const SETTLE_LIMIT_MS = 60_000;

const modes: Array<[string, Record<string, unknown>]> = [
  // `berth dev`'s messaging: in-process, nothing survives the process but Postgres.
  ["in-process messaging", { natsUrl: undefined }],
  ["JetStream", {}],
];

const deployments: TestDeployment[] = [];
afterAll(async () => {
  for (const deployment of deployments) await deployment.cleanup();
});

describe.each(modes)("kill -9 in the middle of a provision, a backup and a restore (%s)", (mode, overrides) => {
  it(`every job ends succeeded or failed within ${SETTLE_LIMIT_MS / 1000} s of a restart; no partial artifact; the restore target is fully restored or unchanged`, async () => {
    const deployment = testDeployment();
    deployments.push(deployment);
    let server = await deployment.start(overrides);
    let api = server.client(deployment.secrets.adminToken);
    const internal = server.client(deployment.secrets.internalToken);
    const target = await readyDependency(api, internal, "crash-target", "prj_crash", "target");
    internal.close();
    await seedTarget(target.url, 150_000);
    const { backup: baseline } = await api.backup.createBackup({ requestId: "baseline", dependencyId: target.id, retentionDays: 0 });
    for await (const update of api.backup.watchBackup({ id: baseline!.id, untilSettled: true }, { timeoutMs: 120_000 })) void update;
    const restored = await fingerprint(target.url);

    const timings: number[] = [];
    for (let i = 1; i <= ITERATIONS; i++) {
      // The target differs from the backup before each restore, so "unchanged" and "restored" tell apart.
      await onTarget(target.url, "UPDATE marker SET v = $1", [i]);
      const before = await fingerprint(target.url);
      const { dependency: provisioned } = await api.dependency.provisionDependency({ requestId: `crash-prov-${i}`, projectId: "prj_crash", environmentId: "env_a", name: `p${i}`, kind: "postgres", realizationTarget: "", deletionProtection: false });
      const { backup } = await api.backup.createBackup({ requestId: `crash-bkp-${i}`, dependencyId: target.id, retentionDays: 0 });
      const { restore } = await api.backup.restoreBackup({ requestId: `crash-rst-${i}`, backupId: baseline!.id, acknowledgeDataOverwrite: true });
      // A random point: before the worker picked the jobs up, or anywhere while they run.
      if (Math.random() < 0.7) await waitRunning(deployment, "restores", restore!.id).catch(() => undefined);
      await sleep(Math.floor(Math.random() * 1500));
      api.close();
      await server.kill();

      const restartedAt = Date.now();
      server = await deployment.start(overrides);
      api = server.client(deployment.secrets.adminToken);
      const settledMs = await waitAllSettled(deployment, SETTLE_LIMIT_MS);
      timings.push(Date.now() - restartedAt);
      expect(settledMs).toBeLessThan(SETTLE_LIMIT_MS);

      const { dependency: after } = await api.dependency.getDependency({ id: provisioned!.id });
      expect([DependencyStatus.DEPENDENCY_STATUS_READY, DependencyStatus.DEPENDENCY_STATUS_FAILED]).toContain(after!.status);
      const backupRecord = await recordOf(deployment, "backups", backup!.id);
      expect(["succeeded", "failed"]).toContain(backupRecord.status);
      expect(readdirSync(deployment.artifactDir).filter((f) => f.endsWith(".partial"))).toEqual([]);

      const restoreRecord = await recordOf(deployment, "restores", restore!.id);
      const now = await fingerprint(target.url);
      if (restoreRecord.status === "succeeded") {
        expect(now).toBe(restored);
      } else {
        expect(restoreRecord.status).toBe("failed");
        // The reason says what state the target is in, and it is true.
        expect(restoreRecord.status_reason, restoreRecord.status_reason).toMatch(/the target (is unchanged|was not touched)/);
        expect(now, restoreRecord.status_reason).toBe(before);
      }
      console.log(`[${mode}] iteration ${i}: settled ${timings.at(-1)} ms after restart; provision ${DependencyStatus[after!.status]}, backup ${backupRecord.status}, restore ${restoreRecord.status} (${restoreRecord.status_reason || "-"})`);
    }
    api.close();
    await server.stop();
  }, 120_000 + ITERATIONS * 90_000);
});
