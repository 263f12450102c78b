import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_URL as MYSQL_ADMIN_URL, requireServer as requireMysql, withConnection } from "../../providers/mysql/test/support.js";
import { serveForTests, sharedTargets, testDeployment } from "../support/berth-server.js";
import { fingerprint, onTarget, readyDependency, seedTarget } from "../support/jobs.js";
import { cliSession } from "../support/server-process.js";

// Restores that can be undone and restores that touch nothing: a safety backup before every
// in-place restore (rolled back automatically when a restore fails after writing), and
// `restore --to-new`, which copies a backup into a new dependency while the source keeps serving.

const deployment = testDeployment();
beforeAll(requireMysql);
const served = serveForTests(deployment, () => deployment.start({ targets: sharedTargets("mysql") }), { timeoutMs: 60_000 });
let sourceBackupId = "";
const { berth, json } = cliSession(() => served.env);

async function settledBackup(id: string): Promise<{ status: string; id: string }> {
  for await (const update of served.api.backup.watchBackup({ id, untilSettled: true }, { timeoutMs: 120_000 })) void update;
  const { backup } = await served.api.backup.getBackup({ id });
  expect(backup!.statusReason).toBe("");
  return { id, status: String(backup!.status) };
}

describe("restore --to-new", () => {
  it("copies the backup into a new dependency while the source keeps taking writes", { timeout: 180_000 }, async () => {
    const source = await readyDependency(served.api, served.internal, "safety-src", "prj_safety", "orders");
    await seedTarget(source.url, 20_000);
    const atBackup = await fingerprint(source.url);
    const { backup } = await served.api.backup.createBackup({ requestId: "safety-bkp-1", dependencyId: source.id, retentionDays: 0 });
    await settledBackup(backup!.id);

    // The backup's manifest, taken in the dump's own snapshot: engine, tool, rows per table.
    const shownJson = await json<{ manifest: { engine: { name: string; version: string }; tool: { name: string }; content: Array<{ scope: string; name: string; count: string }> } }>(["dependency", "backup", "show", backup!.id]);
    expect(shownJson.manifest.engine.name).toBe("postgres");
    expect(shownJson.manifest.tool.name).toBe("pg_dump");
    expect(shownJson.manifest.content).toEqual(
      expect.arrayContaining([expect.objectContaining({ scope: "table", name: "public.big", count: "20000" }), expect.objectContaining({ name: "public.marker", count: "1" })]),
    );
    expect((await berth(["dependency", "backup", "show", backup!.id])).stdout).toMatch(/manifest: postgres 15\.\d+, dumped by pg_dump 15\.\d+[\s\S]*public\.big\s+20000/);

    // Writes to the source all through the restore.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await onTarget(source.url, "INSERT INTO marker VALUES ($1)", [++written]);
        await sleep(20);
      }
    })();
    const restored = await json<{ id: string; dependencyId: string; sourceDependencyId: string; status: string; safetyBackupId?: string }>([
      "dependency", "backup", "restore", backup!.id, "--to-new", "orders-copy", "--environment", "env_staging", "--wait",
    ]);
    writing = false;
    await writer;

    expect(restored.status).toBe("succeeded");
    expect(restored.sourceDependencyId).toBe(source.id);
    expect(restored.dependencyId).not.toBe(source.id);
    expect(restored.safetyBackupId ?? "").toBe("");
    const { dependency: copy } = await served.api.dependency.getDependency({ id: restored.dependencyId });
    expect(copy).toMatchObject({ name: "orders-copy", kind: "postgres", environmentId: "env_staging", projectId: "prj_safety" });
    expect(copy!.provenance?.restoredFromBackupId).toBe(backup!.id);
    const copyUrl = (await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: copy!.connectionSecretRef, purpose: "test" })).connectionUrl;
    // The copy holds exactly what the backup held, table by table; the source kept every write.
    expect(await fingerprint(copyUrl)).toBe(atBackup);
    expect(written).toBeGreaterThan(0);
    const [kept] = await onTarget<{ n: string }>(source.url, "SELECT count(*) AS n FROM marker WHERE v > 0");
    expect(Number(kept!.n)).toBe(written);

    // A retried command (same request id) returns the same restore, not a second copy.
    const again = await json<{ id: string }>(["dependency", "backup", "restore", backup!.id, "--to-new", "orders-copy-2", "--environment", "env_staging", "--request-id", "copy-1"]);
    const replay = await json<{ id: string }>(["dependency", "backup", "restore", backup!.id, "--to-new", "orders-copy-2", "--environment", "env_staging", "--request-id", "copy-1"]);
    expect(replay.id).toBe(again.id);
    sourceBackupId = backup!.id;
  });

  it("refuses a name that is taken, changing nothing", { timeout: 60_000 }, async () => {
    const backupId = sourceBackupId;
    const before = (await served.api.backup.listRestores({ dependencyId: "", backupId: backupId!, status: 0, pageSize: 100, pageToken: "" })).restores.length;
    const result = await berth(["dependency", "backup", "restore", backupId!, "--to-new", "orders"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("[dependency_already_exists]");
    expect((await served.api.backup.listRestores({ dependencyId: "", backupId: backupId!, status: 0, pageSize: 100, pageToken: "" })).restores.length).toBe(before);
  });
});

describe("an in-place restore", () => {
  it("takes a safety backup first and names it, so the restore can be undone", { timeout: 180_000 }, async () => {
    const db = await readyDependency(served.api, served.internal, "safety-undo", "prj_safety", "ledger");
    await seedTarget(db.url, 2_000);
    const { backup } = await served.api.backup.createBackup({ requestId: "safety-bkp-2", dependencyId: db.id, retentionDays: 0 });
    await settledBackup(backup!.id);
    await onTarget(db.url, "INSERT INTO marker VALUES (42)");
    const regretted = await fingerprint(db.url);

    const shown = await berth(["dependency", "backup", "restore", backup!.id, "--acknowledge-data-overwrite", "--yes", "--wait"]);
    expect(shown.code).toBe(0);
    const safetyId = /safety backup:\s+(bkp_[A-Za-z0-9]+) \(restore it to undo this restore\)/.exec(shown.stdout)?.[1];
    expect(safetyId, shown.stdout).toBeDefined();
    expect(await fingerprint(db.url)).not.toBe(regretted);
    const { backup: safety } = await served.api.backup.getBackup({ id: safetyId! });
    expect(safety).toMatchObject({ dependencyId: db.id, trigger: 3 /* PRE_RESTORE */ });
    expect((await berth(["dependency", "backup", "list", db.id])).stdout).toMatch(/pre-restore/);

    // Undo: restore the safety backup (skipping another safety backup).
    const undo = await json<{ status: string }>(["dependency", "backup", "restore", safetyId!, "--acknowledge-data-overwrite", "--yes", "--skip-safety-backup", "--wait"]);
    expect(undo.status).toBe("succeeded");
    expect(await fingerprint(db.url)).toBe(regretted);
  });

  it("that fails part-way on MariaDB is rolled back from the safety backup: every table as before", { timeout: 240_000 }, async () => {
    const { id, url, dependency } = await readyDependency(served.api, served.internal, "safety-my", "prj_safety", "shop", "mysql");
    const { database, user } = dependency.metadata as { database: string; user: string };
    await withConnection(url, database, async (c) => {
      await c.query("CREATE TABLE items (id INT PRIMARY KEY, payload VARCHAR(200))");
      await c.query("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT)");
      for (let batch = 0; batch < 30; batch++) {
        const rows = Array.from({ length: 10_000 }, (_, i) => `(${batch * 10_000 + i}, REPEAT(MD5(RAND()), 6))`).join(",");
        await c.query(`INSERT INTO items VALUES ${rows}`);
      }
      await c.query("INSERT INTO notes VALUES (1, 'at backup')");
    });
    const { backup } = await served.api.backup.createBackup({ requestId: "safety-bkp-my", dependencyId: id, retentionDays: 0 });
    await settledBackup(backup!.id);
    // What the restore must leave in place when it fails: the state after the backup.
    await withConnection(url, database, (c) => c.query("INSERT INTO notes VALUES (2, 'after backup'); DELETE FROM items WHERE id < 100"));
    const checksums = () => withConnection(MYSQL_ADMIN_URL, database, async (c) => (await c.query<RowDataPacket[]>("CHECKSUM TABLE items, notes EXTENDED"))[0]);
    const before = await checksums();

    const { restore } = await served.api.backup.restoreBackup({ requestId: "safety-rst-my", backupId: backup!.id, acknowledgeDataOverwrite: true });
    // Fail it part-way: kill the restore's session while it writes into the target.
    let killed = false;
    for (let i = 0; i < 1500 && !killed; i++) {
      const { restore: now } = await served.api.backup.getRestore({ id: restore!.id });
      if (now!.safetyBackupId && Number(now!.bytesRestored) > 0) {
        killed = await withConnection(MYSQL_ADMIN_URL, undefined, async (c) => {
          const [sessions] = await c.query<RowDataPacket[]>("SELECT id FROM information_schema.processlist WHERE user = ? AND db = ?", [user, database]);
          for (const s of sessions) await c.query(`KILL ${Number(s.id)}`);
          return sessions.length > 0;
        });
      }
      if (now!.status >= 3) break;
      await sleep(20);
    }
    expect(killed, "the restore finished before it could be failed part-way").toBe(true);
    for await (const update of served.api.backup.watchRestore({ id: restore!.id, untilSettled: true }, { timeoutMs: 180_000 })) void update;
    const { restore: ended } = await served.api.backup.getRestore({ id: restore!.id });
    expect(ended).toMatchObject({ status: 4 /* FAILED */, rolledBack: true });
    expect(ended!.statusReason).toContain(`rolled back to its state before the restore from safety backup ${ended!.safetyBackupId}`);
    expect(await checksums()).toEqual(before);
  });
});
