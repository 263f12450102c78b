import pg from "pg";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { importedProvider } from "../src/index.js";

// The imported provider only validates and probes connections it is given (it
// realizes, releases and backs up nothing: the kit reports those as skipped).
// Probed here against the real test Postgres, with a password in the URL so the
// masking checks have something to find.
const ADMIN_URL = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const withPassword = new URL(ADMIN_URL);
if (!withPassword.password) withPassword.password = "conformance-probe-pw";

runProviderConformance({
  provider: importedProvider,
  kind: "postgres",
  connectionUrl: withPassword.toString(),
  sample: {
    async write(connectionUrl, _owner, value) {
      const client = new pg.Client({ connectionString: connectionUrl });
      await client.connect();
      try {
        await client.query("CREATE TABLE IF NOT EXISTS berth_imported_conformance (id int PRIMARY KEY, value text)");
        await client.query("INSERT INTO berth_imported_conformance VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value", [value]);
      } finally {
        await client.end();
      }
    },
    async read(connectionUrl) {
      const client = new pg.Client({ connectionString: connectionUrl });
      await client.connect();
      try {
        const rows = await client.query("SELECT value FROM berth_imported_conformance WHERE id = 1").catch(() => ({ rows: [] }));
        return rows.rows[0]?.value as string | undefined;
      } finally {
        await client.end();
      }
    },
  },
});
