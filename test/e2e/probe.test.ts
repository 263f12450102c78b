import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plantedSecret, uniqueSuffix } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { freePort } from "../support/net.js";
import { PrivatePostgres } from "../support/private-postgres.js";
import { cliEnv, cliSession, type ServerProcess } from "../support/server-process.js";

// Issue 14, points 1, 4 and 6, as a user meets them through the CLI:
// probes that log in, metadata-only restore points for imports Berth cannot
// read, and `dependency delete --force` for a managed dependency whose target is gone.

const MYSQL_ROOT = process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/";
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const CLICKHOUSE = { host: "127.0.0.1:8123", user: "default", password: "berth-test-admin" };

const deployment = testDeployment();
const scope = ["--project", "prj_probe", "--environment", "env_probe"];
const planted = plantedSecret("probe");
let postgres: PrivatePostgres;
let redisUser = "";
let closedPort = 0;

beforeAll(async () => {
  [postgres, closedPort] = await Promise.all([PrivatePostgres.start(), freePort()]);
  await postgres.query(`CREATE ROLE app LOGIN PASSWORD '${planted}'`);
  await postgres.query("CREATE DATABASE appdb OWNER app");
  await postgres.query("CREATE DATABASE lockeddb");
  await postgres.query("REVOKE CONNECT ON DATABASE lockeddb FROM PUBLIC");
  // The shared Redis lets the default user in with any password: a user of our own has one that counts.
  redisUser = `berth_probe_${uniqueSuffix()}`;
  const redis = new Redis(REDIS_URL);
  await redis.call("ACL", "SETUSER", redisUser, "on", `>${planted}`, "~*", "+@all");
  redis.disconnect();
}, 60_000);

afterAll(async () => {
  if (redisUser) {
    const redis = new Redis(REDIS_URL);
    await redis.call("ACL", "DELUSER", redisUser).catch(() => undefined);
    redis.disconnect();
  }
  await postgres?.stop();
});
const served = serveForTests(deployment);
const { berth, json, outputs } = cliSession(() => served.env);

/** Imports with --probe; returns the CLI result. */
function importProbed(kind: string, name: string, url: string) {
  return berth(["dependency", "import", "--kind", kind, ...scope, "--name", name, "--connection-url-stdin", "--probe"], url);
}

async function namesStored(): Promise<string[]> {
  const list = await json<{ items: Array<{ name: string }> }>(["dependency", "list", ...scope, "--all"]);
  return list.items.map((i) => i.name);
}

function mysqlUrl(user: string, password: string, database: string, port = 3306): string {
  const root = new URL(MYSQL_ROOT);
  return `mysql://${user}:${encodeURIComponent(password)}@${root.hostname}:${port}/${database}`;
}

describe("dependency import --probe logs in and says which part is wrong", () => {
  const cases: Array<{ kind: string; wrongPassword: () => string; missingDatabase: () => string; closed: () => string; good: () => string }> = [
    {
      kind: "postgres",
      wrongPassword: () => postgres.url("appdb", "app", planted.split("").reverse().join("")),
      missingDatabase: () => postgres.url("nosuchdb", "app", planted),
      closed: () => `postgres://app:${planted}@127.0.0.1:${closedPort}/appdb`,
      good: () => postgres.url("appdb", "app", planted),
    },
    {
      kind: "mysql",
      wrongPassword: () => mysqlUrl("root", planted, "mysql"),
      missingDatabase: () => mysqlUrl(new URL(MYSQL_ROOT).username || "root", decodeURIComponent(new URL(MYSQL_ROOT).password), `nosuchdb_${uniqueSuffix()}`),
      closed: () => mysqlUrl("root", planted, "mysql", closedPort),
      good: () => mysqlUrl(new URL(MYSQL_ROOT).username || "root", decodeURIComponent(new URL(MYSQL_ROOT).password), "mysql"),
    },
    {
      kind: "redis",
      wrongPassword: () => `redis://${redisUser}:${planted}x@127.0.0.1:6379/0`,
      // Every db index a URL may name (0-15) exists on a default server; see the README.
      missingDatabase: () => "",
      closed: () => `redis://${redisUser}:${planted}@127.0.0.1:${closedPort}/0`,
      good: () => `redis://${redisUser}:${planted}@127.0.0.1:6379/0`,
    },
    {
      kind: "clickhouse",
      wrongPassword: () => `http://${CLICKHOUSE.user}:${planted}@${CLICKHOUSE.host}/default`,
      missingDatabase: () => `http://${CLICKHOUSE.user}:${CLICKHOUSE.password}@${CLICKHOUSE.host}/nosuchdb_${uniqueSuffix()}`,
      closed: () => `http://${CLICKHOUSE.user}:${planted}@127.0.0.1:${closedPort}/default`,
      good: () => `http://${CLICKHOUSE.user}:${CLICKHOUSE.password}@${CLICKHOUSE.host}/default`,
    },
  ];

  for (const c of cases) {
    it(`${c.kind}: wrong password, missing database and closed port each fail with their reason and store nothing; a good URL is verified`, async () => {
      const failures: Array<[string, string, string]> = [
        ["wrong-password", c.wrongPassword(), "connection_authentication_failed"],
        ["missing-db", c.missingDatabase(), "connection_database_missing"],
        ["closed-port", c.closed(), "connection_unreachable"],
      ];
      for (const [label, url, reason] of failures) {
        if (!url) continue;
        const result = await importProbed(c.kind, `${c.kind}-${label}`, url);
        expect(result.code, `${label}: ${result.stderr}`).toBe(5);
        expect(result.stderr, label).toContain(`[${reason}]`);
        expect(result.stderr + result.stdout).not.toContain(planted);
      }
      expect((await namesStored()).filter((n) => n.startsWith(`${c.kind}-`))).toEqual([]);

      const good = await importProbed(c.kind, `${c.kind}-good`, c.good());
      expect(good.code, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/status:\s+ready/);
      expect(good.stdout).toMatch(/connection check:\s+verified/);
    }, 60_000);
  }

  it("postgres: a user without CONNECT on the database is permission denied", async () => {
    const result = await importProbed("postgres", "pg-locked", postgres.url("lockeddb", "app", planted));
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toContain("[connection_permission_denied]");
  });
});

describe("unverified imports", () => {
  it("import without --probe is unverified, plan warns, `dependency probe` verifies it (and records a failure)", async () => {
    const dep = await json<{ id: string; connectionVerification: string }>(["dependency", "import", "--kind", "postgres", ...scope, "--name", "later", "--connection-url-stdin"], postgres.url("appdb", "app", planted));
    expect(dep.connectionVerification).toBe("unverified");
    const list = await berth(["dependency", "list", ...scope]);
    expect(list.stdout.split("\n")[0]).toMatch(/STATUS\s+DATA CLASS\s+CHECK/);
    expect(list.stdout).toMatch(new RegExp(`${dep.id}\\s+later\\s+postgres\\s+imported\\s+ready\\s+unclassified\\s+unverified`));
    const show = await berth(["dependency", "show", dep.id]);
    expect(show.stdout).toMatch(/connection check:\s+unverified/);

    const resource = await json<{ id: string }>(["resource", "create", ...scope, "--name", "web", "--command", "true"]);
    await json(["server", "create", "--name", "local", "--kind", "local-process"]);
    await json(["resource", "dependency", "bind", resource.id, "--dependency", dep.id, "--target", "DATABASE_URL"]);
    const plan = await berth(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/injection: ready/);
    expect(plan.stdout).toContain(`warning [dependency_connection_unverified]: dependency later (${dep.id}) is unverified`);

    const probed = await berth(["dependency", "probe", dep.id]);
    expect(probed.code, probed.stderr).toBe(0);
    expect(probed.stdout).toMatch(/connection check:\s+verified \(a probe logged in at /);
    const planAfter = await berth(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
    expect(planAfter.stdout).not.toContain("dependency_connection_");

    // The password changes on the server: a probe now fails, says why, and the record keeps that.
    await postgres.query(`ALTER ROLE app PASSWORD '${planted}-rotated'`);
    try {
      const failed = await berth(["dependency", "probe", dep.id]);
      expect(failed.code).toBe(5);
      expect(failed.stderr).toContain("[connection_authentication_failed]");
      const shown = await json<{ connectionVerification: string; connectionVerificationReason: string }>(["dependency", "show", dep.id]);
      expect(shown.connectionVerification).toBe("failed");
      expect(shown.connectionVerificationReason).toMatch(/^connection_authentication_failed: /);
      const planFailed = await berth(["deployments", "plan", "--resource", resource.id, "--server", "local"]);
      expect(planFailed.stdout).toContain(`warning [dependency_connection_check_failed]: dependency later (${dep.id}): its last probe failed (connection_authentication_failed`);
    } finally {
      await postgres.query(`ALTER ROLE app PASSWORD '${planted}'`);
    }
  }, 60_000);
});

describe("metadata-only restore points for imports Berth cannot read", () => {
  it("an import whose stored secret no longer opens (its master key is gone) gets a metadata-only restore point at once, saying why", async () => {
    // Imported under one master key; the server then restarts with only a new key (the old one was lost).
    const lostKey = testDeployment();
    const before = await lostKey.start();
    const cli = cliSession(() => cliEnv(before.address, lostKey.secrets.adminToken));
    let after: ServerProcess | undefined;
    try {
      const dep = await cli.json<{ id: string; connectionSecretRef: string }>(
        ["dependency", "import", "--kind", "postgres", ...scope, "--name", "sealed-db", "--connection-url-stdin"],
        postgres.url("appdb", "app", planted),
      );
      await before.stop();
      after = await lostKey.start({ masterKeys: [`k-new:${randomBytes(32).toString("base64")}`] });
      const restarted = cliSession(() => cliEnv(after!.address, lostKey.secrets.adminToken));
      const started = performance.now();
      const backup = await restarted.berth(["dependency", "backup", "create", dep.id, "--wait"]);
      const elapsed = performance.now() - started;
      expect(backup.code, backup.stderr).toBe(0);
      expect(elapsed).toBeLessThan(3_000); // two CLI start-ups included; no job, no retries
      expect(backup.stdout).toMatch(/kind:\s+metadata-only/);
      expect(backup.stdout).toContain(`metadata-only reason:`);
      expect(backup.stdout).toContain(`Berth cannot resolve the connection secret ${dep.connectionSecretRef} (it is missing or does not open with the configured master keys)`);
      for (const text of [...cli.outputs, ...restarted.outputs]) expect(text).not.toContain(planted);
    } finally {
      await after?.stop();
      await before.stop();
      await lostKey.cleanup();
    }
  }, 60_000);
});

describe("dependency delete --force", () => {
  it("forgets a managed dependency whose target is gone, says what it leaves behind, and is never the default", async () => {
    // A second server: target "gone" points at a port nothing listens on; target "doomed" is a
    // real Postgres we stop after provisioning on it.
    const doomedServer = await PrivatePostgres.start(planted);
    const gone = testDeployment();
    const ghost = await gone.start({
      targets: [
        { name: "gone", kind: "postgres", adminUrl: `postgres://postgres:${planted}@127.0.0.1:${closedPort}/postgres` },
        { name: "doomed", kind: "postgres", adminUrl: doomedServer.url() },
      ],
      reconciler: { maxAttempts: 1 },
    });
    const cli = cliSession(() => cliEnv(ghost.address, gone.secrets.adminToken));
    try {
      // 1. Provisioning failed on a target nothing answers at: a plain delete cannot release it.
      const provisioned = await cli.berth(["dependency", "provision", "--kind", "postgres", ...scope, "--name", "stuck", "--target", "gone", "--wait", "--timeout", "60"]);
      const stuck = /id:\s+(dep_\S+)/.exec(provisioned.stdout)![1];
      expect(provisioned.stdout).toMatch(/status:\s+failed/);
      const plain = await cli.berth(["dependency", "delete", stuck, "--yes"]);
      expect(plain.code).toBe(5);
      expect(plain.stderr).toContain("[connection_unreachable]");
      expect((await cli.json<{ status: string }>(["dependency", "show", stuck])).status).not.toBe("deleted");

      const forced = await cli.berth(["dependency", "delete", stuck, "--force", "--yes"]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/status:\s+deleted \(forgotten without release: its realization target cannot be reached/);
      expect(forced.stdout).toContain("left behind (remove by hand):");
      expect(forced.stdout).toContain(`database berth_${stuck.toLowerCase()} on target gone`);
      expect(forced.stdout).toContain(`role berth_${stuck.toLowerCase()} on target gone`);

      // 2. A ready dependency whose target went away: force still refuses while a binding references it.
      const ready = await cli.json<{ id: string }>(["dependency", "provision", "--kind", "postgres", ...scope, "--name", "orphan", "--target", "doomed", "--wait"]);
      const resource = await cli.json<{ id: string }>(["resource", "create", ...scope, "--name", "api", "--command", "true"]);
      const binding = await cli.json<{ id: string }>(["resource", "dependency", "bind", resource.id, "--dependency", ready.id, "--target", "DATABASE_URL"]);
      await doomedServer.stop();
      const blocked = await cli.berth(["dependency", "delete", ready.id, "--force", "--yes"]);
      expect(blocked.code).toBe(5);
      expect(blocked.stderr).toContain("[dependency_delete_blocked]");
      await cli.json(["resource", "dependency", "unbind", binding.id]);
      const orphaned = await cli.json<{ status: string; statusReason: string; leftBehind: string[] }>(["dependency", "delete", ready.id, "--force", "--yes"]);
      expect(orphaned.status).toBe("deleted");
      expect(orphaned.statusReason).toMatch(/^forgotten without release: its realization target cannot be reached/);
      expect(orphaned.leftBehind).toEqual([`database berth_${ready.id.toLowerCase()} on target doomed`, `role berth_${ready.id.toLowerCase()} on target doomed`]);
      for (const text of cli.outputs) expect(text).not.toContain(planted);
    } finally {
      await ghost.stop();
      await gone.cleanup();
      await doomedServer.stop();
    }
  }, 120_000);
});

describe("masking", () => {
  it("the planted password appears in no CLI output", () => {
    for (const text of outputs) expect(text).not.toContain(planted);
  });
});
