import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKUP_SCHEMA, backupStore, drillStore } from "@berth/backup-service";
import { createKnex, newId, type Knex } from "@berth/runtime";
import { databaseUrl, plantedSecret } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession } from "../support/server-process.js";

/** The test Redis has no password, so it accepts any: a planted one must never be shown. */
const PASSWORD = plantedSecret("redispw");
const REDIS_URL = `redis://default:${PASSWORD}@127.0.0.1:6379/11`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const deployment = testDeployment();
const dir = mkdtempSync(join(tmpdir(), "berth-readiness-"));
// The scheduler runs the retention pass every tick; no policy here comes due on its own (24 h intervals).
const served = serveForTests(deployment, () => deployment.start({ backupScheduler: { enabled: true, tickMs: 300 } }));
/** The backup service's own store functions on its schema: how this test arranges drills (no raw SQL). */
let backupDb: Knex;

const { berth, json, outputs } = cliSession(() => served.env);

interface Readiness {
  dependencyId: string;
  dataClass?: string;
  verdict: string;
  issues?: Array<{ reason: string; message: string }>;
  policy?: { id: string; intervalHours: number; enabled: boolean };
  latestBackup?: { backupId: string; endTime: string; ageSeconds: string; maxAgeSeconds: string; stale?: boolean };
  latestPassedDrill?: { drillId: string; backupId: string; ageSeconds: string; maxAgeSeconds: string; stale?: boolean; checkCommandConfigured?: boolean; checkPassed?: boolean };
  evaluateTime: string;
}

beforeAll(async () => {
  backupDb = createKnex(databaseUrl(deployment.databaseName), { schema: BACKUP_SCHEMA, poolMax: 2 });
  const redis = new Redis(REDIS_URL);
  await redis.set(`berth-readiness-${deployment.prefix}`, "kept");
  redis.disconnect();
  const local = await berth(["server", "create", "--name", "local", "--kind", "local-process"]);
  expect(local.code, local.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  const list = await berth(["deployments", "list", "--project", "prj_rdy", "--environment", "env_yaml", "-o", "json"]).catch(() => undefined);
  for (const d of list?.code === 0 ? (JSON.parse(list.stdout).items as Array<{ id: string; status: string }>) : []) {
    if (d.status === "running" || d.status === "starting") await berth(["deployments", "stop", d.id]);
  }
  const redis = new Redis(REDIS_URL);
  await redis.del(`berth-readiness-${deployment.prefix}`);
  redis.disconnect();
  await backupDb?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** An imported Redis (native backups of a real server), with the data class given. */
async function importRedis(name: string, dataClass?: string): Promise<string> {
  const created = await json<{ id: string }>([
    "dependency", "import", "--kind", "redis", "--project", "prj_rdy", "--environment", "env_a", "--name", name, "--connection-url", REDIS_URL, "--probe",
    ...(dataClass ? ["--data-class", dataClass] : []),
  ]);
  return created.id;
}

async function readiness(id: string): Promise<{ code: number; report: Readiness; table: string }> {
  const asJson = await berth(["dependency", "readiness", id, "-o", "json"]);
  const table = await berth(["dependency", "readiness", id]);
  expect(table.code).toBe(asJson.code);
  return { code: asJson.code, report: JSON.parse(asJson.stdout) as Readiness, table: table.stdout };
}

const reasons = (report: Readiness) => (report.issues ?? []).map((i) => i.reason);

async function backup(id: string, retentionDays = 0): Promise<string> {
  const created = await json<{ id: string; status: string }>(["dependency", "backup", "create", id, "--wait", "--retention-days", String(retentionDays)]);
  expect(created.status).toBe("succeeded");
  return created.id;
}

async function configurePolicy(id: string, enabled: boolean): Promise<void> {
  const result = await berth(["dependency", "backup", "policy", "configure", id, "--interval-hours", "24", "--retention-days", "7", ...(enabled ? [] : ["--disable"])]);
  expect(result.code, result.stderr).toBe(0);
}

/** A finished drill, written the way the drill runner writes one: through the backup service's drill store. */
async function drill(dependencyId: string, backupId: string, outcome: { status: "passed" | "failed"; checkConfigured: boolean; checkPassed?: boolean; endedAgoMs?: number }): Promise<string> {
  const endedAt = new Date(Date.now() - (outcome.endedAgoMs ?? 0));
  const record = await drillStore.insert(backupDb, {
    id: newId("drl"),
    backupId,
    dependencyId,
    status: outcome.status,
    statusReason: outcome.status === "failed" ? "restored row count differs from the manifest" : "",
    checkCommandConfigured: outcome.checkConfigured,
    checkPassed: outcome.checkConfigured ? (outcome.checkPassed ?? true) : null,
    checks: [{ name: "keys:string", expected: "1", actual: "1", ok: true }],
    startedAt: new Date(endedAt.getTime() - 5_000),
    endedAt,
    durationMs: 5_000,
  });
  return record.id;
}

describe("data class", () => {
  it("is set on import, shown in show, list and JSON, and changed with update", async () => {
    const id = await importRedis("classy", "reproducible");
    expect((await berth(["dependency", "show", id])).stdout).toMatch(/data class:\s+reproducible/);
    expect((await json<{ dataClass: string }>(["dependency", "show", id])).dataClass).toBe("reproducible");
    expect((await berth(["dependency", "list", "--project", "prj_rdy", "--environment", "env_a"])).stdout).toMatch(new RegExp(`${id}\\s+classy\\s+redis\\s+imported\\s+ready\\s+reproducible`));

    const updated = await json<{ dataClass: string }>(["dependency", "update", id, "--data-class", "production-critical"]);
    expect(updated.dataClass).toBe("production-critical");
    const cleared = await json<{ dataClass?: string }>(["dependency", "update", id, "--data-class", "unclassified"]);
    expect(cleared.dataClass).toBe("unclassified");
    expect((await berth(["dependency", "show", id])).stdout).toMatch(/data class:\s+unclassified/);

    const nothing = await berth(["dependency", "update", id]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("[invalid_argument]");
    const bad = await berth(["dependency", "update", id, "--data-class", "precious"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are disposable, reproducible, production-critical/);
  });
});

describe("berth dependency readiness", () => {
  it("production-critical: each missing piece of evidence is its own reason, and all of it together is ready (exit 0)", async () => {
    const id = await importRedis("orders-db", "production-critical");

    let { code, report, table } = await readiness(id);
    expect(code).toBe(5);
    expect(report).toMatchObject({ dependencyId: id, dataClass: "production-critical", verdict: "not-ready" });
    expect(reasons(report)).toEqual(["no_backup_policy", "no_backup", "no_verified_backup"]);
    expect(table).toMatch(/verdict:\s+not-ready/);
    expect(table).toMatch(/data class:\s+production-critical/);
    expect(table).toMatch(/^ {2}no_backup_policy: /m);

    await configurePolicy(id, false);
    ({ report } = await readiness(id));
    expect(reasons(report)).toEqual(["backup_policy_disabled", "no_backup", "no_verified_backup"]);
    expect(report.policy).toMatchObject({ intervalHours: 24 });
    expect(report.policy?.enabled).toBeFalsy();

    await configurePolicy(id, true);
    const backupId = await backup(id);
    ({ report } = await readiness(id));
    expect(reasons(report)).toEqual(["no_verified_backup"]);
    expect(report.latestBackup).toMatchObject({ backupId, maxAgeSeconds: String(30 * 3600) });
    expect(Number(report.latestBackup!.ageSeconds ?? "0")).toBeLessThan(600); // proto3 JSON omits a zero age

    await drill(id, backupId, { status: "passed", checkConfigured: false });
    ({ report } = await readiness(id));
    expect(reasons(report)).toEqual(["no_post_restore_check"]);

    await drill(id, backupId, { status: "passed", checkConfigured: true, checkPassed: false });
    ({ report } = await readiness(id));
    expect(reasons(report)).toEqual(["post_restore_check_failed"]);

    const passed = await drill(id, backupId, { status: "passed", checkConfigured: true, checkPassed: true });
    ({ code, report, table } = await readiness(id));
    expect(code).toBe(0);
    expect(report.verdict).toBe("ready");
    expect(report.issues).toEqual([]);
    expect(report.latestPassedDrill).toMatchObject({ drillId: passed, backupId, checkCommandConfigured: true, checkPassed: true, maxAgeSeconds: String(30 * 86400) });
    expect(Object.keys(report).sort()).toEqual(["dataClass", "dependencyId", "evaluateTime", "issues", "latestBackup", "latestPassedDrill", "policy", "verdict"]);
    expect(table).toMatch(/verdict:\s+ready/);
    expect(table).toMatch(/post-restore check:\s+configured, passed/);

    // The latest backup ages past the policy interval (24 h + 6 h grace).
    const backupRecord = (await backupStore.getBackup(backupDb, backupId))!;
    await backupStore.updateBackup(backupDb, backupId, { endedAt: new Date(Date.now() - 31 * HOUR) });
    ({ code, report } = await readiness(id));
    expect(code).toBe(5);
    expect(reasons(report)).toEqual(["backup_stale"]);
    expect(report.latestBackup?.stale).toBe(true);
    await backupStore.updateBackup(backupDb, backupId, { endedAt: backupRecord.endedAt });

    // A drill that fails after the latest pass puts the evidence in doubt.
    await drill(id, backupId, { status: "failed", checkConfigured: true, checkPassed: false });
    ({ code, report } = await readiness(id));
    expect(code).toBe(5);
    expect(reasons(report)).toEqual(["latest_drill_failed"]);
  });

  it("production-critical: a passed drill older than 30 days no longer counts", async () => {
    const id = await importRedis("ledger", "production-critical");
    await configurePolicy(id, true);
    const backupId = await backup(id);
    await drill(id, backupId, { status: "passed", checkConfigured: true, checkPassed: true, endedAgoMs: 31 * DAY });
    const { code, report } = await readiness(id);
    expect(code).toBe(5);
    expect(reasons(report)).toEqual(["drill_stale"]);
    expect(report.latestPassedDrill?.stale).toBe(true);
  });

  it("reproducible is at-risk without a recent backup; disposable is always ready; unclassified asks for a class", async () => {
    const reproducible = await importRedis("search-index", "reproducible");
    let { code, report } = await readiness(reproducible);
    expect(code).toBe(5);
    expect(report.verdict).toBe("at-risk");
    expect(reasons(report)).toEqual(["no_backup"]);
    const backupId = await backup(reproducible);
    ({ code, report } = await readiness(reproducible));
    expect(code).toBe(0);
    expect(report.verdict).toBe("ready");
    // Without a policy, "recent" is 24 h plus grace.
    await backupStore.updateBackup(backupDb, backupId, { endedAt: new Date(Date.now() - 31 * HOUR) });
    ({ code, report } = await readiness(reproducible));
    expect(code).toBe(5);
    expect(reasons(report)).toEqual(["backup_stale"]);

    const disposable = await importRedis("sessions", "disposable");
    ({ code, report } = await readiness(disposable));
    expect(code).toBe(0);
    expect(report).toMatchObject({ verdict: "ready", dataClass: "disposable" });

    const unclassified = await importRedis("mystery");
    ({ code, report } = await readiness(unclassified));
    expect(code).toBe(5);
    expect(report.verdict).toBe("at-risk");
    expect(reasons(report)).toEqual(["data_class_unset"]);
    expect(report.dataClass).toBe("unclassified");
  });

  it("an unknown dependency exits 3 with dependency_not_found", async () => {
    // An unknown id, and an unknown name in its project and environment.
    for (const args of [["dep_doesNotExist1"], ["not-a-name", "--project", "prj_rdy", "--environment", "env_rdy"]]) {
      const result = await berth(["dependency", "readiness", ...args]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain("[dependency_not_found]");
    }
    // A name alone cannot be looked up: names are unique per project and environment.
    const unscoped = await berth(["dependency", "readiness", "not-a-name"]);
    expect(unscoped.code).toBe(2);
    expect(unscoped.stderr).toContain("also pass --project and --environment");
    const asJson = await berth(["dependency", "readiness", "dep_doesNotExist1", "-o", "json"]);
    expect(asJson.code).toBe(3);
    expect(JSON.parse(asJson.stderr).error.reason).toBe("dependency_not_found");
  });
});

describe("retention keeps the last good", () => {
  it("with only expired backups it keeps the newest succeeded and the newest verified, and list marks the latest verified", async () => {
    const id = await importRedis("retained", "production-critical");
    const [oldest, verified, middle, newest] = [await backup(id, 1), await backup(id, 1), await backup(id, 1), await backup(id, 1)];
    await drill(id, verified, { status: "passed", checkConfigured: false });
    await drill(id, middle, { status: "failed", checkConfigured: false });

    const list = await berth(["dependency", "backup", "list", id]);
    expect(list.stdout).toMatch(/ID\s+KIND\s+TRIGGER\s+STATUS\s+VERIFIED/);
    expect(list.stdout).toMatch(new RegExp(`${verified}\\s+native\\s+manual\\s+succeeded\\s+yes \\(latest\\)`));
    expect(list.stdout).toMatch(new RegExp(`${newest}\\s+native\\s+manual\\s+succeeded\\s+-`));
    const shown = await json<{ verified?: boolean; latestVerified?: boolean }>(["dependency", "backup", "show", verified]);
    expect(shown).toMatchObject({ verified: true, latestVerified: true });

    // Every restore point expires.
    for (const backupId of [oldest, verified, middle, newest]) await backupStore.updateBackup(backupDb, backupId, { expireAt: new Date(Date.now() - 60_000) });
    const deadline = Date.now() + 30_000;
    let deleted: string[] = [];
    while (Date.now() < deadline) {
      const all = await json<{ items: Array<{ id: string; deleteTime?: string }> }>(["dependency", "backup", "list", id, "--show-deleted"]);
      deleted = all.items.filter((b) => b.deleteTime).map((b) => b.id);
      if (deleted.length >= 2) break;
      await sleep(300);
    }
    expect(deleted.sort()).toEqual([oldest, middle].sort());
    await sleep(1_500); // several more retention passes: the kept ones stay kept
    const live = await json<{ items: Array<{ id: string; latestVerified?: boolean }> }>(["dependency", "backup", "list", id]);
    expect(live.items.map((b) => b.id).sort()).toEqual([verified, newest].sort());
    expect(existsSync(join(deployment.artifactDir, `${oldest}.artifact`))).toBe(false);
    expect(existsSync(join(deployment.artifactDir, `${verified}.artifact`))).toBe(true);
    expect(existsSync(join(deployment.artifactDir, `${newest}.artifact`))).toBe(true);
  }, 120_000);
});

describe("deployments plan", () => {
  it("warns, without blocking, about a bound production-critical dependency whose data is not ready", async () => {
    const critical = await importRedis("plan-critical", "production-critical");
    const reproducible = await importRedis("plan-cache", "reproducible");
    const resource = await json<{ id: string }>(["resource", "create", "--project", "prj_rdy", "--environment", "env_a", "--name", "web", "--command", "true"]);
    for (const [dependencyId, envVar] of [[critical, "ORDERS_URL"], [reproducible, "CACHE_URL"]]) {
      const bound = await berth(["resource", "dependency", "bind", resource.id, "--dependency", dependencyId, "--target", envVar]);
      expect(bound.code, bound.stderr).toBe(0);
    }
    const plan = await berth(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/injection: ready/);
    expect(plan.stdout).toContain(`warning [dependency_data_not_ready]: production-critical dependency plan-critical (${critical}) is not data-ready: no_backup_policy, no_backup, no_verified_backup`);
    // Only production-critical dependencies are asked about: the reproducible one (not ready either) gets no warning.
    expect(plan.stdout.split("warnings")[1]).not.toContain(reproducible);

    const asJson = await json<{ warnings: Array<{ reason: string; dependencyId: string; readinessReasons: string[] }> }>(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
    expect(asJson.warnings).toHaveLength(1);
    expect(asJson.warnings[0]).toMatchObject({ reason: "dependency_data_not_ready", dependencyId: critical, readinessReasons: ["no_backup_policy", "no_backup", "no_verified_backup"] });

    // Once the evidence is there, the warning goes.
    await configurePolicy(critical, true);
    const backupId = await backup(critical);
    await drill(critical, backupId, { status: "passed", checkConfigured: true, checkPassed: true });
    const clean = await json<{ warnings?: unknown[] }>(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
    expect(clean.warnings ?? []).toEqual([]);
  });
});

describe("berth.yaml dataClass", () => {
  it("deploy sets it on provision, updates it when the file changes, and then changes nothing", { timeout: 180_000 }, async () => {
    const write = (dataClass: string) => {
      const path = join(dir, `berth-${dataClass}.yaml`);
      writeFileSync(
        path,
        `resource: web\nrun:\n  command: sleep 600\ndependencies:\n  db:\n    kind: postgres\n    dataClass: ${dataClass}\n    bind:\n      env: DATABASE_URL\n`,
      );
      return path;
    };
    const scope = ["--project", "prj_rdy", "--environment", "env_yaml", "--server", "local", "--no-wait"];
    interface DeployJson {
      changes: Array<{ subject: string; action: string; name: string; summary: string }>;
    }
    const classOf = async () => {
      const { items } = await json<{ items: Array<{ name: string; dataClass?: string }> }>(["dependency", "list", "--project", "prj_rdy", "--environment", "env_yaml"]);
      return items.find((d) => d.name === "db")?.dataClass;
    };

    const first = await json<DeployJson>(["deploy", ...scope, "--config", write("production-critical")]);
    expect(first.changes.find((c) => c.subject === "dependency")).toMatchObject({ action: "provision", name: "db" });
    expect(first.changes.find((c) => c.subject === "dependency")?.summary).toContain("data class production-critical");
    expect(await classOf()).toBe("production-critical");

    const changed = write("reproducible");
    const dry = await berth(["deploy", ...scope, "--config", changed, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/set the data class of db \(dep_\w+\) from production-critical to reproducible/);
    expect(await classOf()).toBe("production-critical");

    const second = await json<DeployJson>(["deploy", ...scope, "--config", changed]);
    expect(second.changes.map((c) => `${c.subject}:${c.action}:${c.name}`)).toContain("dependency:update:db");
    expect(await classOf()).toBe("reproducible");

    const third = await json<DeployJson>(["deploy", ...scope, "--config", changed]);
    expect(third.changes.filter((c) => c.subject === "dependency")).toEqual([]);
  });
});

describe("secrets", () => {
  it("no CLI output of this file shows the planted Redis password or a token", () => {
    const all = outputs.join("\n");
    expect(all).toContain("redis://default:****@127.0.0.1:6379/11");
    expect(all).not.toContain(PASSWORD);
    expect(served.server.output()).not.toContain(PASSWORD);
    expect(all).not.toContain(deployment.secrets.adminToken);
    expect(all).not.toContain(deployment.secrets.internalToken);
  });
});
