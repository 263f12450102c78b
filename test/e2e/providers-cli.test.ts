import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RowDataPacket } from "mysql2/promise";
import type { ConformanceSample } from "@berth/provider-sdk/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_URL as CLICKHOUSE_ADMIN_URL, chQuery, requireServer as requireClickHouse } from "../../providers/clickhouse/test/server.js";
import { admin as mysqlAdmin, ADMIN_URL as MYSQL_ADMIN_URL, mysqlSample, requireServer as requireMysql, withConnection } from "../../providers/mysql/test/support.js";
import { getText, putText } from "../../providers/object-storage/test/support/s3-client.js";
import { startS3Target, type S3TestTarget } from "../../providers/object-storage/test/support/s3-target.js";
import { startFakeOpenSearch, type FakeOpenSearch } from "../../providers/opensearch/test/fake-opensearch.js";
import { openSearchSample, request as openSearchRequest } from "../../providers/opensearch/test/sample.js";
import { postgresSample } from "../../providers/postgres/test/sample.js";
import { REDIS_ADMIN_URL, requireRedis, scanAll, withRedis } from "../../providers/redis/test/support.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { adminQuery, plantedSecret, POSTGRES_ADMIN_URL, withPostgres } from "../support/env.js";
import { runCli, type CliResult } from "../support/server-process.js";

// An operator configures one realization target per built-in kind; a user then drives every
// kind with the same `berth` verbs. Each case goes through the host's wiring of the shipped
// providers: provision (dependency service) → write through the delivered URL → backup →
// change → restore (backup service) → delete (release) → the provider's objects are gone.

type Metadata = Record<string, string>;

/** What one kind needs: its target, how an app reads and writes a sample, what realize made. */
interface KindAdapter {
  kind: string;
  /** Shown in the test name (e.g. that OpenSearch is a fake). */
  against: string;
  adminUrl(): string;
  /** How an app writes `value` as the sample (replacing any earlier one) and reads it back. */
  sample: Pick<ConformanceSample, "write" | "read">;
  /**
   * One check per thing realize created (and the sample write filled), seen by the operator;
   * "login" means the delivered credentials still work. All hold before the delete, none after.
   */
  created(connectionUrl: string, owner: Metadata): Record<string, () => Promise<boolean>>;
}

/** The names of the checks that hold. */
async function existing(checks: Record<string, () => Promise<boolean>>): Promise<string[]> {
  const found: string[] = [];
  for (const [name, exists] of Object.entries(checks)) if (await exists()) found.push(name);
  return found;
}

/** Whether `action` succeeds (any error counts as refused). */
const succeeds = (action: () => Promise<unknown>) =>
  action().then(
    () => true,
    () => false,
  );

const redisKeys = (pattern: string) => withRedis(redisAdminUrl, (client) => scanAll(client, pattern));

/** An admin URL whose password is planted when it has none (the local servers accept any). */
function withPlantedPassword(adminUrl: string, label: string, user?: string): string {
  const url = new URL(adminUrl);
  if (url.password) return adminUrl;
  if (user && !url.username) url.username = user;
  url.password = plantedSecret(label);
  return url.toString();
}

const postgresAdminUrl = withPlantedPassword(POSTGRES_ADMIN_URL, "pgadmin");
// Redis 7's `default` user is `nopass` here, so AUTH default <anything> succeeds.
const redisAdminUrl = withPlantedPassword(REDIS_ADMIN_URL, "redisadmin", "default");
const clickhouseUsersDir = new URL(CLICKHOUSE_ADMIN_URL).searchParams.get("usersDir");
let s3: S3TestTarget;
let opensearch: FakeOpenSearch;

const adapters: KindAdapter[] = [
  {
    kind: "postgres",
    against: "Postgres 15",
    adminUrl: () => postgresAdminUrl,
    sample: postgresSample,
    created: (url, owner) => ({
      database: async () => (await adminQuery("SELECT 1 FROM pg_database WHERE datname = $1", [owner.database])).length > 0,
      role: async () => (await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = $1", [owner.user])).length > 0,
      login: () => succeeds(() => withPostgres(url, (client) => client.query("SELECT 1"))),
    }),
  },
  {
    kind: "redis",
    against: "Redis 7 (ACL user per dependency)",
    adminUrl: () => redisAdminUrl,
    sample: {
      write: (url, owner, value) => withRedis(url, async (client) => void (await client.set(`${owner.keyPrefix}sample`, value))),
      read: (url, owner) => withRedis(url, async (client) => (await client.get(`${owner.keyPrefix}sample`)) ?? undefined),
    },
    created: (url, owner) => ({
      "ACL user": async () => (await withRedis(redisAdminUrl, (client) => client.call("ACL", "GETUSER", owner.user))) !== null,
      keys: async () => (await redisKeys(`${owner.keyPrefix}*`)).length > 0,
      login: () => succeeds(() => withRedis(url, (client) => client.get(`${owner.keyPrefix}sample`))),
    }),
  },
  {
    kind: "mysql",
    against: "MariaDB 10.11",
    adminUrl: () => MYSQL_ADMIN_URL,
    sample: mysqlSample,
    created: (url, owner) => ({
      database: () => mysqlAdmin(async (c) => (await c.query<RowDataPacket[]>("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [owner.database]))[0].length > 0),
      user: () => mysqlAdmin(async (c) => (await c.query<RowDataPacket[]>("SELECT 1 FROM mysql.user WHERE User = ?", [owner.user]))[0].length > 0),
      login: () => succeeds(() => withConnection(url, undefined, (c) => c.query("SELECT 1"))),
    }),
  },
  {
    kind: "clickhouse",
    against: "ClickHouse 18.16 (users.d)",
    adminUrl: () => CLICKHOUSE_ADMIN_URL,
    // One row per written value; the latest wins, so changing the sample is an insert.
    sample: {
      async write(url, owner, value) {
        await chQuery(url, owner.database, "CREATE TABLE IF NOT EXISTS sample (seq UInt64, value String) ENGINE = MergeTree ORDER BY seq");
        await chQuery(url, owner.database, `INSERT INTO sample SELECT count() + 1, '${value.replace(/[\\']/g, "\\$&")}' FROM sample`);
      },
      async read(url, owner) {
        const rows = await chQuery(url, owner.database, "SELECT value FROM sample ORDER BY seq DESC LIMIT 1 FORMAT TabSeparated");
        return rows === "" ? undefined : rows.replace(/\n$/, "");
      },
    },
    created: (url, owner) => ({
      database: async () => (await chQuery(CLICKHOUSE_ADMIN_URL, "default", `SELECT count() FROM system.databases WHERE name = '${owner.database}'`)).trim() === "1",
      ...(clickhouseUsersDir ? { "users.d file": async () => existsSync(join(clickhouseUsersDir, `${owner.user}.xml`)) } : {}),
      login: () => succeeds(() => chQuery(url, owner.database, "SELECT 1")),
    }),
  },
  {
    kind: "object-storage",
    against: "s3rver 3.7.1 (isolation=none)",
    adminUrl: () => s3.adminUrl,
    sample: {
      write: (url, owner, value) => putText(url, owner.bucket, "sample.txt", value),
      read: (url, owner) => getText(url, owner.bucket, "sample.txt"),
    },
    // isolation=none delivers the target's own keys: they keep working, so no "login" check.
    created: (_url, owner) => ({
      bucket: () =>
        getText(s3.adminUrl, owner.bucket, "sample.txt").then(
          () => true,
          (error: Error) => (error.name === "NoSuchBucket" ? false : Promise.reject(error)),
        ),
    }),
  },
  {
    kind: "opensearch",
    against: "a protocol-level FAKE of OpenSearch 2.x with the security plugin (providers/opensearch/test/fake-opensearch.ts), not a real server",
    adminUrl: () => opensearch.adminUrl,
    sample: openSearchSample,
    created: (url, owner) => {
      const user = decodeURIComponent(new URL(url).username);
      const securityObject = (api: string) => async () => (await openSearchRequest(opensearch.adminUrl, `/_plugins/_security/api/${api}/${user}`)).status === 200;
      return {
        indices: async () => opensearch.indexNames().some((name) => name.startsWith(owner.index)),
        "internal user": securityObject("internalusers"),
        role: securityObject("roles"),
        "role mapping": securityObject("rolesmapping"),
        login: async () => (await openSearchRequest(url, "/")).status === 200,
      };
    },
  },
];

const deployment = testDeployment();
beforeAll(async () => {
  await Promise.all([requireRedis(), requireMysql(), requireClickHouse()]);
  [s3, opensearch] = await Promise.all([startS3Target(), startFakeOpenSearch({ security: true })]);
});
afterAll(() => Promise.all([s3?.stop(), opensearch?.close()]));
const served = serveForTests(deployment, () => deployment.start({ targets: adapters.map(({ kind, adminUrl }) => ({ name: `${kind}-main`, kind, adminUrl: adminUrl() })) }));
/** Dependencies (and their backups) a failed case left behind, deleted after all (before the server stops). */
const leftovers = new Map<string, string[]>();

async function berth(outputs: string[], args: string[]): Promise<CliResult> {
  const result = await runCli(args, served.env);
  outputs.push(result.stdout, result.stderr);
  return result;
}
async function json<T>(outputs: string[], args: string[]): Promise<T> {
  const result = await berth(outputs, [...args, "-o", "json"]);
  expect(result.code, `berth ${args.join(" ")}:\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

afterAll(async () => {
  const outputs: string[] = [];
  for (const [id, backups] of leftovers) {
    for (const backup of backups) await berth(outputs, ["dependency", "backup", "delete", backup, "--yes"]);
    await berth(outputs, ["dependency", "delete", id, "--yes"]);
  }
});

describe("every built-in provider through the CLI, on one server with a target per kind", () => {
  for (const adapter of adapters) {
    it(`${adapter.kind} against ${adapter.against}: provision, back up, restore, delete; no secret shown`, async () => {
      const outputs: string[] = [];
      const dependency = await json<{ id: string; status: string; metadata: Metadata; connectionSecretRef: string; realizationTarget: string }>(outputs, [
        "dependency", "provision", "--kind", adapter.kind, "--project", "prj_providers", "--environment", "env_e2e", "--name", `${adapter.kind}-app`, "--wait",
      ]);
      leftovers.set(dependency.id, []);
      expect(dependency).toMatchObject({ status: "ready", realizationTarget: `${adapter.kind}-main` });

      // The app's view: the delivered URL, used unchanged.
      const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency.connectionSecretRef, purpose: "e2e" });
      // The target's admin password (planted for Postgres and Redis; MariaDB's local root has none)
      // and the dependency's own: neither may show in CLI output or the server log.
      const secrets = [new URL(adapter.adminUrl()).password, new URL(connectionUrl).password].filter(Boolean).map(decodeURIComponent);
      const owner = dependency.metadata;
      await adapter.sample.write(connectionUrl, owner, "before the backup");

      const backup = await json<{ id: string; status: string; kind: string }>(outputs, ["dependency", "backup", "create", dependency.id, "--wait"]);
      leftovers.get(dependency.id)!.push(backup.id);
      expect(backup).toMatchObject({ status: "succeeded", kind: "native" });

      // A restore drill proves the backup restores: the manifest's counts come back in a scratch copy.
      const drill = await json<{ status: string; statusReason?: string; checks: Array<{ name: string; ok?: boolean }>; scratchReleased?: boolean }>(outputs, [
        "dependency", "backup", "verify", backup.id, "--wait",
      ]);
      expect(drill.status, drill.statusReason).toBe("passed");
      expect(drill.checks.filter((c) => c.name !== "restore").length, "content checks from the manifest").toBeGreaterThan(0);
      expect(drill.scratchReleased).toBe(true);

      await adapter.sample.write(connectionUrl, owner, "after the backup");
      expect(await adapter.sample.read(connectionUrl, owner)).toBe("after the backup");
      const restored = await berth(outputs, ["dependency", "backup", "restore", backup.id, "--acknowledge-data-overwrite", "--yes", "--wait"]);
      expect(restored.code, restored.stderr).toBe(0);
      expect(await adapter.sample.read(connectionUrl, owner)).toBe("before the backup");

      const created = adapter.created(connectionUrl, owner);
      expect(await existing(created), "what realize created, before the delete").toEqual(Object.keys(created));

      // The restore backed the target up first and names that safety backup.
      const safetyId = /safety backup:\s+(bkp_\w+)/.exec(restored.stdout)?.[1];
      expect(safetyId, restored.stdout).toBeDefined();

      // Backups hold a dependency back from deletion; the user removes them first.
      expect((await berth(outputs, ["dependency", "backup", "delete", backup.id, "--yes"])).code).toBe(0);
      expect((await berth(outputs, ["dependency", "backup", "delete", safetyId!, "--yes"])).code).toBe(0);
      const deleted = await berth(outputs, ["dependency", "delete", dependency.id, "--yes"]);
      expect(deleted.code, deleted.stderr).toBe(0);
      expect(deleted.stdout).toMatch(/status:\s+deleted/);
      leftovers.delete(dependency.id);
      expect(await existing(adapter.created(connectionUrl, owner)), "what realize created, after the delete").toEqual([]);

      expect(served.server.output(), "the server logged this dependency's jobs (the scan below reads real content)").toContain(dependency.id);
      const seen = [...outputs, served.server.output()].join("\n");
      for (const secret of secrets) expect(seen.includes(secret), "a secret leaked into CLI output or the server log").toBe(false);
    }, 120_000);
  }
});
