import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { requireServer as requireMysql, withConnection } from "../../providers/mysql/test/support.js";
import { requireRedis, withRedis } from "../../providers/redis/test/support.js";
import { serveForTests, sharedTargets, testDeployment } from "../support/berth-server.js";
import { adminQuery, databaseUrl } from "../support/env.js";
import { readyDependency, seedTarget } from "../support/jobs.js";
import { cliSession } from "../support/server-process.js";

// Restore drills through the CLI on real servers: a backup restored into a scratch dependency,
// compared with its manifest, checked by the app's own command, and the scratch released.

const deployment = testDeployment();
beforeAll(async () => {
  await requireMysql();
  await requireRedis();
});
const served = serveForTests(deployment, () => deployment.start({ targets: sharedTargets("mysql", "redis") }), { timeoutMs: 60_000 });
const { berth, json } = cliSession(() => served.env);

interface DrillJson {
  id: string;
  status: string;
  statusReason?: string;
  checks: Array<{ name: string; expected: string; actual: string; ok?: boolean }>;
  scratchDependencyId?: string;
  scratchReleased?: boolean;
  checkPassed?: boolean;
  checkOutput?: string;
}

async function backedUp(dependencyId: string, requestId: string): Promise<string> {
  const { backup } = await served.api.backup.createBackup({ requestId, dependencyId, retentionDays: 0 });
  for await (const update of served.api.backup.watchBackup({ id: backup!.id, untilSettled: true }, { timeoutMs: 120_000 })) void update;
  const { backup: done } = await served.api.backup.getBackup({ id: backup!.id });
  expect(done!.statusReason).toBe("");
  return backup!.id;
}

/** What the admin connection still sees of a dependency's Postgres objects. */
async function postgresLeftovers(dependencyId: string): Promise<string[]> {
  const name = `berth_${dependencyId.toLowerCase()}`;
  const dbs = await adminQuery<{ n: string }>("SELECT datname AS n FROM pg_database WHERE datname = $1", [name]);
  const roles = await adminQuery<{ n: string }>("SELECT rolname AS n FROM pg_roles WHERE rolname = $1", [name]);
  return [...dbs.map((r) => `database ${r.n}`), ...roles.map((r) => `role ${r.n}`)];
}

describe("berth dependency backup verify", () => {
  let pg: { id: string; url: string };
  let pgBackup: string;

  it("restores a Postgres backup into a scratch dependency, finds the manifest's counts, runs the check and releases it", { timeout: 180_000 }, async () => {
    pg = await readyDependency(served.api, served.internal, "drill-pg", "prj_drill", "orders");
    await seedTarget(pg.url, 5_000);
    pgBackup = await backedUp(pg.id, "drill-pg-bkp");

    const drill = await json<DrillJson>(["dependency", "backup", "verify", pgBackup, "--check-command", 'psql "$DATABASE_URL" -tAc "select count(*) from big"', "--wait"]);
    expect(drill.status, drill.statusReason).toBe("passed");
    expect(drill.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "table public.big rows", expected: "5000", actual: "5000", ok: true }),
        expect.objectContaining({ name: "check command", expected: "exit 0", actual: "exit 0", ok: true }),
      ]),
    );
    expect(drill.checkPassed).toBe(true);
    expect(drill.checkOutput).toContain("5000");
    expect(drill.scratchReleased).toBe(true);
    // The scratch dependency was a different database and role, and nothing of it is left.
    expect(drill.scratchDependencyId).not.toBe(pg.id);
    expect(await postgresLeftovers(drill.scratchDependencyId!)).toEqual([]);

    const listed = await berth(["dependency", "backup", "drills", pg.id]);
    expect(listed.stdout).toMatch(new RegExp(`${drill.id}\\s+${pgBackup}\\s+passed`));
  });

  it("fails a drill whose check exits non-zero, names the exit code and keeps its output masked", { timeout: 120_000 }, async () => {
    const drill = await json<DrillJson>(["dependency", "backup", "verify", pgBackup, "--check-command", 'echo "connecting to $DATABASE_URL"; echo boom >&2; exit 3', "--wait"]).catch(async () => {
      // --wait exits 1 for a failed drill; read it back.
      const { drills } = await served.api.backup.listDrills({ dependencyId: pg.id, pageSize: 50, pageToken: "" });
      return JSON.parse(JSON.stringify(drills.at(-1))) as DrillJson;
    });
    expect(String(drill.status)).toMatch(/FAILED|4/);
    expect(drill.statusReason).toContain("exit 3");
    expect(drill.checkOutput).toContain("boom");
    expect(drill.checkOutput).toMatch(/connecting to postgres(ql)?:\/\/[^:\s]+:\*\*\*\*@/);
    const shown = await berth(["dependency", "backup", "drill-status", drill.id]);
    expect(shown.stdout).toMatch(/check command\s+exit 0\s+exit 3\s+NO/);
  });

  it("fails a tampered artifact as corrupt and makes no scratch dependency", { timeout: 120_000 }, async () => {
    const tampered = await backedUp(pg.id, "drill-pg-bkp-tampered");
    const file = join(deployment.artifactDir, `${tampered}.artifact`);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(file, bytes);
    const result = await berth(["dependency", "backup", "verify", tampered, "--wait", "-o", "json"]);
    expect(result.code).toBe(1);
    const drill = JSON.parse(result.stdout) as DrillJson;
    expect(drill.statusReason).toContain("failed its checksum");
    expect(drill.scratchDependencyId ?? "").toBe("");
  });

  it("verifies MariaDB and Redis backups: the manifest's counts come back", { timeout: 180_000 }, async () => {
    for (const kind of ["mysql", "redis"] as const) {
      const { id, url, dependency } = await readyDependency(served.api, served.internal, `drill-${kind}`, "prj_drill", `${kind}-data`, kind);
      if (kind === "mysql") {
        await withConnection(url, dependency.metadata.database, (c) =>
          // A view and a routine: their DEFINER names the source's user, which the scratch copy's may not act for.
          c.query("CREATE TABLE items (id INT PRIMARY KEY); INSERT INTO items VALUES (1),(2),(3); CREATE VIEW item_ids AS SELECT id FROM items; CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2"),
        );
      } else {
        const prefix = dependency.metadata.keyPrefix ?? "";
        await withRedis(url, async (r) => {
          await r.set(`${prefix}a`, "1");
          await r.rpush(`${prefix}list`, "x", "y");
          await r.hset(`${prefix}h`, "f", "v");
        });
      }
      const backupId = await backedUp(id, `drill-${kind}-bkp`);
      const drill = await json<DrillJson>(["dependency", "backup", "verify", backupId, "--wait"]);
      expect(drill.status, `${kind}: ${drill.statusReason}`).toBe("passed");
      const counted = drill.checks.filter((c) => c.name !== "restore");
      expect(counted.length, kind).toBeGreaterThan(0);
      expect(counted.every((c) => c.ok), JSON.stringify(counted)).toBe(true);
    }
  });

  it("an unknown dependency or drill is NOT_FOUND, not an empty list", async () => {
    expect((await berth(["dependency", "backup", "drills", "dep_doesnotexist"])).code).toBe(3);
    expect((await berth(["dependency", "backup", "drill-status", "drl_doesnotexist"])).code).toBe(3);
  });

  it("a drill whose server is killed mid-way ends failed after restart and leaves no scratch database or role", { timeout: 240_000 }, async () => {
    const big = await readyDependency(served.api, served.internal, "drill-big", "prj_drill", "big-orders");
    await seedTarget(big.url, 400_000);
    const backupId = await backedUp(big.id, "drill-big-bkp");
    const { drill } = await served.api.backup.verifyBackup({ requestId: "drill-kill", backupId });
    // Kill once the scratch dependency exists (the restore into it is under way).
    let scratchId = "";
    for (let i = 0; i < 600 && !scratchId; i++) {
      scratchId = (await served.api.backup.getDrill({ id: drill!.id })).drill!.scratchDependencyId;
      if (!scratchId) await sleep(50);
    }
    expect(scratchId).not.toBe("");
    await sleep(300);
    await served.restartAfterKill();
    const started = Date.now();
    let ended = (await served.api.backup.getDrill({ id: drill!.id })).drill!;
    while (ended.status < 3 && Date.now() - started < 60_000) {
      await sleep(500);
      ended = (await served.api.backup.getDrill({ id: drill!.id })).drill!;
    }
    expect(ended.status, ended.statusReason).toBe(4);
    expect(ended.statusReason).toContain("stopped");
    // Release is asynchronous inside the delete: give it a moment, then check with the admin connection.
    for (let i = 0; i < 40 && (await postgresLeftovers(scratchId)).length > 0; i++) await sleep(250);
    expect(await postgresLeftovers(scratchId)).toEqual([]);
    void databaseUrl;
  });
});
