import { randomBytes } from "node:crypto";
import pg from "pg";

/** A superuser URL of the Postgres to test against; the local trust-auth server unless overridden. */
export const SERVER_URL = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], url = SERVER_URL): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect().catch((error: Error) => {
    throw new Error(`cannot reach the test Postgres (${error.message}). Start one at 127.0.0.1:5432 with trust auth for "postgres", or set BERTH_TEST_POSTGRES_URL to a superuser URL.`);
  });
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A shared database of its own for one test file: the target's admin URL names it. */
export interface ScratchDatabase {
  name: string;
  adminUrl: string;
  create(): Promise<void>;
  /** Drops the database and every role that was granted CONNECT on it (the dependencies' roles). */
  drop(): Promise<void>;
}

export function scratchDatabase(label: string): ScratchDatabase {
  const name = `pgschema_${label}_${randomBytes(4).toString("hex")}`;
  const adminUrl = new URL(SERVER_URL);
  adminUrl.pathname = `/${name}`;
  return {
    name,
    adminUrl: adminUrl.toString(),
    async create() {
      await adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    },
    async drop() {
      const grantees = await adminQuery<{ role: string }>(
        `SELECT DISTINCT pg_get_userbyid(a.grantee) AS role FROM pg_database d, aclexplode(d.datacl) a
          WHERE d.datname = $1 AND a.grantee <> 0 AND a.grantee <> d.datdba`,
        [name],
      );
      await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      for (const { role } of grantees) if (role.startsWith("berth_dep_")) await adminQuery(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    },
  };
}

/** Runs `fn` connected as `connectionUrl` (unchanged, the way an app would use it). */
export async function withConnection<T>(connectionUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
