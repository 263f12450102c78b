import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseUrl, dropDatabase, NATS_URL, POSTGRES_ADMIN_URL, testSecrets, uniqueSuffix, adminQuery } from "./env.js";
import { deleteStreams } from "./nats.js";
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from "./server-process.js";

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
    targets: [{ name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL }],
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
