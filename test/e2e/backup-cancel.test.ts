import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession } from "../support/server-process.js";
import { fingerprint, onTarget, readyDependency, seedTarget, waitRunning } from "../support/jobs.js";

const deployment = testDeployment();
// Fast heartbeats, so the owning worker notices a cancel within a fraction of a second.
const served = serveForTests(deployment, () => deployment.start({ reconciler: { heartbeatMs: 250, leaseTtlMs: 3000 } }));
const { berth, json } = cliSession(() => served.env);

interface Job {
  id: string;
  status: string;
  statusReason: string;
}

describe("cancelling backups and restores through the CLI", () => {
  it("stops a running backup and a running restore; the restored dependency is unchanged and later restores are not blocked", async () => {
    const target = await readyDependency(served.api, served.internal, "cancel-db", "prj_cancel", "db");
    await seedTarget(target.url, 600_000);
    const baseline = await json<Job>(["dependency", "backup", "create", target.id, "--wait"]);
    expect(baseline.status).toBe("succeeded");
    const restored = await fingerprint(target.url);

    // A running backup: cancelled, no artifact kept, nothing partial left.
    const { backup } = await served.api.backup.createBackup({ requestId: "to-cancel", dependencyId: target.id, retentionDays: 0 });
    await waitRunning(deployment, "backups", backup!.id);
    const cancelled = await json<Job>(["dependency", "backup", "cancel", backup!.id]);
    expect(cancelled.status).toBe("failed");
    expect(cancelled.statusReason).toMatch(/^cancelled by an operator/);
    expect(readdirSync(deployment.artifactDir).filter((f) => f.startsWith(backup!.id))).toEqual([]);
    // Again: the same answer (idempotent).
    expect((await json<Job>(["dependency", "backup", "cancel", backup!.id])).statusReason).toBe(cancelled.statusReason);
    // A finished backup cannot be cancelled.
    const finished = await berth(["dependency", "backup", "cancel", baseline.id]);
    expect(finished.code).toBe(5);
    expect(finished.stderr).toContain("[backup_already_finished]");

    // A running restore: cancelled; Postgres rolls it back, so the dependency is as it was.
    await onTarget(target.url, "UPDATE marker SET v = 42");
    const before = await fingerprint(target.url);
    const { restore } = await served.api.backup.restoreBackup({ requestId: "restore-to-cancel", backupId: baseline.id, acknowledgeDataOverwrite: true });
    await waitRunning(deployment, "restores", restore!.id);
    const stopped = await json<Job>(["dependency", "backup", "restore", "cancel", restore!.id]);
    expect(stopped.status).toBe("failed");
    expect(stopped.statusReason).toMatch(/^cancelled by an operator; the target is unchanged/);
    expect(await fingerprint(target.url)).toBe(before);
    const again = await berth(["dependency", "backup", "restore", "cancel", restore!.id]);
    expect(again.code).toBe(0);

    // Nothing is blocked by the cancelled restore: a new restore runs, and the cancelled backup can be deleted.
    const next = await json<Job>(["dependency", "backup", "restore", baseline.id, "--acknowledge-data-overwrite", "--yes", "--wait"]);
    expect(next.status).toBe("succeeded");
    expect(await fingerprint(target.url)).toBe(restored);
    const finishedRestore = await berth(["dependency", "backup", "restore", "cancel", next.id]);
    expect(finishedRestore.code).toBe(5);
    expect(finishedRestore.stderr).toContain("[restore_already_finished]");
    expect((await berth(["dependency", "backup", "delete", backup!.id, "--yes"])).code).toBe(0);
    expect(existsSync(`${deployment.artifactDir}/${backup!.id}.artifact.partial`)).toBe(false);

    const help = await berth(["dependency", "backup", "restore", "cancel", "--help"]);
    expect(help.stdout).toContain("berth dependency backup restore cancel rst_");
  }, 240_000);
});
