import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import type { SafeMetadata } from "@berth/provider-sdk";
import { provider } from "../src/index.js";
import { scratchDatabase, withConnection } from "./scratch-database.js";

// The shared database the target names; the dependencies' schemas live in it.
const shared = scratchDatabase("conf");
beforeAll(() => shared.create());
// Registered before the kit's own afterAll (which releases), so it runs after it.
afterAll(() => shared.drop());

/** `owner`'s sample table, addressed explicitly, so a foreign connection aims at the owner's schema. */
const sampleTable = (owner: SafeMetadata) => `${pg.escapeIdentifier(owner.schema)}.conformance_sample`;

runProviderConformance({
  provider,
  kind: "postgres-schema",
  target: { name: "conformance", kind: "postgres-schema", adminUrl: shared.adminUrl },
  // The shared development Postgres trusts 127.0.0.1: any password logs in there. The built-in
  // Postgres provider runs this check against a private server that checks passwords.
  probeCases: { wrongPassword: "not-applicable: the shared test Postgres trusts local logins, so a wrong password still logs in" },
  sample: {
    write: (connectionUrl, owner, value) =>
      withConnection(connectionUrl, async (client) => {
        await client.query(`CREATE TABLE IF NOT EXISTS ${sampleTable(owner)} (id int PRIMARY KEY, value text NOT NULL)`);
        await client.query(`INSERT INTO ${sampleTable(owner)} VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value`, [value]);
      }),
    // With B's connection and A's metadata this aims at A's schema; Postgres refuses
    // (no USAGE on it), which the kit counts as "sees nothing".
    read: (connectionUrl, owner) =>
      withConnection(connectionUrl, async (client) => {
        const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [`${pg.escapeIdentifier(owner.schema)}.conformance_sample`]);
        if (!rows[0].t) return undefined;
        return (await client.query<{ value: string }>(`SELECT value FROM ${sampleTable(owner)} WHERE id = 1`)).rows[0]?.value;
      }),
    // Manifests name tables without the schema (it is the dependency's own).
    content: {
      entry: () => ({ scope: "table", name: "conformance_sample" }),
      add: (connectionUrl, owner, key, value) =>
        withConnection(connectionUrl, async (client) => {
          await client.query(`INSERT INTO ${sampleTable(owner)} SELECT max(id) + 1, $1 FROM ${sampleTable(owner)}`, [`${key}=${value}`]);
        }),
    },
  },
});
