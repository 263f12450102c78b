import pg from "pg";
import { afterAll } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { PrivatePostgres } from "../../../test/support/private-postgres.js";
import { postgresProvider } from "../src/index.js";

// A Postgres of this test's own that checks passwords (the shared development server trusts
// 127.0.0.1, where a probe with a wrong password would log in and prove nothing).
const server = await PrivatePostgres.start();
afterAll(() => server.stop());
const ADMIN_URL = server.url();

/** Connects as `connectionUrl`'s user to the database `owner` names. */
async function withClient<T>(connectionUrl: string, database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(connectionUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

runProviderConformance({
  provider: postgresProvider,
  kind: "postgres",
  target: { name: "conformance", kind: "postgres", adminUrl: ADMIN_URL },
  sample: {
    write: (connectionUrl, owner, value) =>
      withClient(connectionUrl, owner.database, async (client) => {
        await client.query("CREATE TABLE IF NOT EXISTS conformance_sample (id int PRIMARY KEY, value text NOT NULL)");
        await client.query("INSERT INTO conformance_sample VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value", [value]);
      }),
    read: (connectionUrl, owner) =>
      withClient(connectionUrl, owner.database, async (client) => {
        const exists = await client.query("SELECT to_regclass('conformance_sample') AS t");
        if (!exists.rows[0].t) return undefined;
        const rows = await client.query<{ value: string }>("SELECT value FROM conformance_sample WHERE id = 1");
        return rows.rows[0]?.value;
      }),
    content: {
      entry: () => ({ scope: "table", name: "public.conformance_sample" }),
      add: (connectionUrl, owner, key, value) =>
        withClient(connectionUrl, owner.database, async (client) => {
          await client.query("INSERT INTO conformance_sample VALUES ((SELECT max(id) + 1 FROM conformance_sample), $1)", [`${key}=${value}`]);
        }),
    },
    async exists(target, owner) {
      const client = new pg.Client({ connectionString: target.adminUrl });
      await client.connect();
      try {
        const found = await client.query("SELECT (SELECT count(*) FROM pg_database WHERE datname = $1) + (SELECT count(*) FROM pg_roles WHERE rolname = $2) AS n", [owner.database, owner.user]);
        return Number(found.rows[0].n) > 0;
      } finally {
        await client.end();
      }
    },
  },
});
