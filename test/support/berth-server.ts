import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { BerthClient } from "@berth/client";
import { ADMIN_URL as MYSQL_ADMIN_URL } from "../../providers/mysql/test/support.js";
import { REDIS_ADMIN_URL } from "../../providers/redis/test/support.js";
import { databaseUrl, dropDatabase, NATS_URL, POSTGRES_ADMIN_URL, testSecrets, uniqueSuffix, adminQuery } from "./env.js";
import { deleteStreams } from "./nats.js";
import { cliEnv, startServerProcess, type ServerProcess, type ServerProcessOptions } from "./server-process.js";

/**
 * Realization targets on the shared test servers: `main` on the test Postgres (the only one a
 * deployment has by default), then `<kind>-main` for each of `kinds`.
 */
export function sharedTargets(...kinds: Array<"mysql" | "redis">): Array<{ name: string; kind: string; adminUrl: string }> {
  const adminUrls = { mysql: MYSQL_ADMIN_URL, redis: REDIS_ADMIN_URL };
  return [{ name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL }, ...kinds.map((kind) => ({ name: `${kind}-main`, kind, adminUrl: adminUrls[kind] }))];
}

export interface TestDeployment {
  /** Where this deployment's backup artifacts are written. */
  artifactDir: string;
  databaseName: string;
  prefix: string;
  secrets: ReturnType<typeof testSecrets>;
  config(overrides?: Record<string, unknown>): Record<string, unknown>;
  start(overrides?: Record<string, unknown>, options?: ServerProcessOptions): Promise<ServerProcess>;
  /** Drops the test database, realized databases/roles and NATS streams. */
  cleanup(): Promise<void>;
}

/** A production-style Berth (`berth serve` on real Postgres and NATS) isolated by database name and subject prefix. */
export function testDeployment(): TestDeployment {
  const suffix = uniqueSuffix();
  const databaseName = `berth_t_${suffix}`;
  const prefix = `t${suffix}`;
  const secrets = testSecrets();
  const artifactDir = mkdtempSync(join(tmpdir(), "berth-artifacts-"));
  const config = (overrides: Record<string, unknown> = {}) => ({
    services: ["dependency", "binding", "deployment", "backup"],
    artifactDir,
    databaseUrl: databaseUrl(databaseName),
    natsUrl: NATS_URL,
    natsPrefix: prefix,
    adminToken: secrets.adminToken,
    internalToken: secrets.internalToken,
    masterKeys: [secrets.masterKey],
    targets: sharedTargets(),
    logLevel: "debug",
    ...overrides,
  });
  return {
    artifactDir,
    databaseName,
    prefix,
    secrets,
    config,
    start: (overrides, options) => startServerProcess(config(overrides), {}, options),
    async cleanup() {
      const rows = await adminQuery<{ id: string }>("SELECT id FROM berth_dependency.dependencies WHERE source = 'managed'", [], databaseUrl(databaseName)).catch(() => []);
      for (const { id } of rows) {
        await adminQuery(`DROP DATABASE IF EXISTS "berth_${id.toLowerCase()}" WITH (FORCE)`);
        await adminQuery(`DROP ROLE IF EXISTS "berth_${id.toLowerCase()}"`);
      }
      await dropDatabase(databaseName);
      await deleteStreams(prefix);
      rmSync(artifactDir, { recursive: true, force: true });
    },
  };
}

/** A test file's running Berth; its fields are set once the file's beforeAll has run. */
export interface ServedDeployment {
  server: ServerProcess;
  /** A client with the admin token. */
  api: BerthClient;
  /** A client with the internal token (what services use among themselves, e.g. to resolve secrets). */
  internal: BerthClient;
  /** The environment of a `berth` CLI user holding the admin token. */
  env: NodeJS.ProcessEnv;
  /** Kills the server mid-work (SIGKILL), starts it again the same way, and connects new clients. */
  restartAfterKill(): Promise<void>;
}

/**
 * One `berth serve` for the tests of a file (or of the describe block it is called in):
 * `start` (default: the deployment's own config) before them; after them, the clients are
 * closed, the server stopped, `afterStop` run, and the deployment cleaned up. Cleanup a test
 * file registers with its own afterAll after this call runs first (vitest runs after-hooks in
 * reverse); `timeoutMs` bounds the start.
 */
export function serveForTests(
  deployment: TestDeployment,
  start: () => Promise<ServerProcess> = () => deployment.start(),
  { timeoutMs, afterStop }: { timeoutMs?: number; afterStop?: () => Promise<unknown> } = {},
): ServedDeployment {
  const served = {} as ServedDeployment;
  const connect = async () => {
    served.server = await start();
    served.api = served.server.client(deployment.secrets.adminToken);
    served.internal = served.server.client(deployment.secrets.internalToken);
    served.env = cliEnv(served.server.address, deployment.secrets.adminToken);
  };
  const disconnect = () => {
    served.api?.close();
    served.internal?.close();
  };
  served.restartAfterKill = async () => {
    disconnect();
    await served.server.kill();
    await connect();
  };
  beforeAll(connect, timeoutMs);
  afterAll(async () => {
    disconnect();
    await served.server?.stop();
    await afterStop?.();
    await deployment.cleanup();
  });
  return served;
}
