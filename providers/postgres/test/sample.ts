import type pg from "pg";
import type { ConformanceSample } from "@berth/provider-sdk/conformance";
import { adminQuery, withPostgres } from "../../../test/support/env.js";

/** Connects as `connectionUrl`'s user to the database `owner` names. */
function withDatabase<T>(connectionUrl: string, database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(connectionUrl);
  url.pathname = `/${database}`;
  return withPostgres(url.toString(), fn);
}

/**
 * The sample an app writes through a delivered Postgres URL: one row of `conformance_sample` in
 * the dependency's database (the conformance kit's, and the CLI tests' too).
 */
export const postgresSample: ConformanceSample = {
  write: (connectionUrl, owner, value) =>
    withDatabase(connectionUrl, owner.database, async (client) => {
      await client.query("CREATE TABLE IF NOT EXISTS conformance_sample (id int PRIMARY KEY, value text NOT NULL)");
      await client.query("INSERT INTO conformance_sample VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value", [value]);
    }),
  read: (connectionUrl, owner) =>
    withDatabase(connectionUrl, owner.database, async (client) => {
      const exists = await client.query("SELECT to_regclass('conformance_sample') AS t");
      if (!exists.rows[0].t) return undefined;
      const rows = await client.query<{ value: string }>("SELECT value FROM conformance_sample WHERE id = 1");
      return rows.rows[0]?.value;
    }),
  content: {
    entry: () => ({ scope: "table", name: "public.conformance_sample" }),
    add: (connectionUrl, owner, key, value) =>
      withDatabase(connectionUrl, owner.database, async (client) => {
        await client.query("INSERT INTO conformance_sample VALUES ((SELECT max(id) + 1 FROM conformance_sample), $1)", [`${key}=${value}`]);
      }),
  },
  async exists(target, owner) {
    const found = await adminQuery("SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2) AS n", [owner.database, owner.user], target.adminUrl);
    return Number(found[0].n) > 0;
  },
};
