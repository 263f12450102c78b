import { randomBytes } from "node:crypto";
import pg from "pg";

/** Superuser URL of the test Postgres (also the realization target for managed Postgres). */
export const POSTGRES_ADMIN_URL = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const NATS_URL = process.env.BERTH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** A short random suffix that isolates one test's databases, subjects and dirs. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString("hex");
}

/** A unique secret value to plant and then search for everywhere it must not appear. */
export function plantedSecret(label = "planted"): string {
  return `${label}Zq${randomBytes(9).toString("hex")}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `fn` on a Postgres client connected as `url` (unchanged, the way an app would use it), closed afterwards. */
export async function withPostgres<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The rows of one statement, run as `url`'s user (default: the test Postgres's superuser). */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], url = POSTGRES_ADMIN_URL): Promise<T[]> {
  return withPostgres(url, async (client) => (await client.query<T>(sql, params)).rows);
}

/** Drops a test database and any databases/roles realized for the given dependency ids. */
export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
}

/** Test tokens and keys (never used outside tests). */
export function testSecrets() {
  return {
    adminToken: `admin-${randomBytes(16).toString("hex")}`,
    internalToken: `internal-${randomBytes(16).toString("hex")}`,
    masterKey: `test:${randomBytes(32).toString("base64")}`,
  };
}
