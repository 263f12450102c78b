import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealizationTarget, RealizeResult } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { BACKUP_FORMAT, provider } from "../src/index.js";
import { adminQuery, scratchDatabase, SERVER_URL, withConnection } from "./scratch-database.js";

// What the kit does not cover: this provider's own promises about schemas in a shared database.
const shared = scratchDatabase("beh");
const target: RealizationTarget = { name: "previews", kind: "postgres-schema", adminUrl: shared.adminUrl };
const signal = new AbortController().signal;
const run = randomBytes(3).toString("hex");
const realized = new Map<string, RealizeResult>();

async function realize(label: string): Promise<RealizeResult> {
  const dependencyId = `dep_beh${run}${label}`;
  const result = await provider.realize!({ dependencyId, name: label, kind: "postgres-schema", target, signal });
  realized.set(dependencyId, result);
  return result;
}

async function backupOf(dep: RealizeResult): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => sink.on("end", resolve));
  await provider.backup!({ kind: "postgres-schema", connectionUrl: dep.connectionUrl, metadata: dep.metadata, sink, signal });
  await ended;
  return Buffer.concat(chunks);
}

function restoreInto(dep: RealizeResult, artifact: Buffer): Promise<void> {
  return provider.restore!({ kind: "postgres-schema", connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([artifact]), format: BACKUP_FORMAT, signal });
}

const tablesOf = (dep: RealizeResult) =>
  withConnection(dep.connectionUrl, async (client) => (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")).rows.map((r) => r.name));

beforeAll(() => shared.create());
afterAll(async () => {
  for (const [dependencyId, result] of realized) await provider.release!({ dependencyId, kind: "postgres-schema", target, metadata: result.metadata, signal }).catch(() => undefined);
  await shared.drop();
});

describe("postgres-schema dependencies in one shared database", () => {
  it("an app uses the delivered URL unchanged: its tables land in its own schema, and it cannot write anywhere else", async () => {
    const app = await realize("app");
    expect(new URL(app.connectionUrl).pathname).toBe(`/${shared.name}`);
    expect(app.metadata).toMatchObject({ database: shared.name, schema: app.metadata.user });
    await withConnection(app.connectionUrl, async (client) => {
      await client.query("CREATE TABLE notes (id serial PRIMARY KEY, body text)");
      await client.query("INSERT INTO notes (body) VALUES ('hello')");
      const { rows } = await client.query("SELECT schemaname FROM pg_tables WHERE tablename = 'notes'");
      expect(rows).toEqual([{ schemaname: app.metadata.schema }]);
      for (const statement of ["CREATE TABLE public.escaped (id int)", "CREATE SCHEMA elsewhere"]) {
        await expect(client.query(statement), statement).rejects.toThrow(/permission denied/);
      }
    });
  });

  it("another dependency's role sees neither the schema's rows nor its tables", async () => {
    const owner = realized.values().next().value!;
    const other = await realize("other");
    await withConnection(other.connectionUrl, async (client) => {
      await expect(client.query(`SELECT * FROM ${pg.escapeIdentifier(owner.metadata.schema)}.notes`)).rejects.toThrow(/permission denied for schema/);
      expect((await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'notes' AND schemaname = current_schema()")).rows[0].n).toBe(0);
    });
    // Roles that are not dependencies of this target cannot even connect to the shared database.
    const outsider = `pgschema_outsider_${run}`;
    await adminQuery(`CREATE ROLE ${outsider} LOGIN`);
    try {
      const url = new URL(shared.adminUrl);
      url.username = outsider;
      await expect(withConnection(url.toString(), async () => undefined)).rejects.toThrow(/permission denied for database/);
    } finally {
      await adminQuery(`DROP ROLE ${outsider}`);
    }
  });

  it("restore makes the schema equal to the backup: objects created after it are gone", async () => {
    const dep = await realize("restore");
    const sql = (text: string) => withConnection(dep.connectionUrl, async (client) => (await client.query(text)).rows);
    await sql("CREATE TYPE mood AS ENUM ('ok', 'meh'); CREATE TABLE items (id serial PRIMARY KEY, mood mood, body text); INSERT INTO items (mood, body) SELECT 'ok', 'item ' || g FROM generate_series(1, 500) g");
    const artifact = await backupOf(dep);

    await sql("DELETE FROM items WHERE id > 10; CREATE TABLE later (id int); CREATE VIEW later_view AS SELECT * FROM items; CREATE FUNCTION later_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'");
    await restoreInto(dep, artifact);
    expect(await tablesOf(dep)).toEqual(["items"]);
    expect((await sql("SELECT count(*)::int AS n FROM items"))[0].n).toBe(500);
    expect(await sql("SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace")).toEqual([]);
    // The sequence came back too: new rows do not collide.
    await sql("INSERT INTO items (mood, body) VALUES ('meh', 'after restore')");
  });

  it("a truncated artifact, or another dependency's, is refused and changes nothing", async () => {
    const dep = await realize("guard");
    const other = await realize("guardother");
    const sql = (d: RealizeResult, text: string) => withConnection(d.connectionUrl, async (client) => (await client.query(text)).rows);
    await sql(dep, "CREATE TABLE kept (id int); INSERT INTO kept SELECT generate_series(1, 2000)");
    await sql(other, "CREATE TABLE theirs (id int)");
    const artifact = await backupOf(dep);
    await sql(dep, "DELETE FROM kept WHERE id > 5; CREATE TABLE newer (id int)");

    const truncated = await providerErrorOf(restoreInto(dep, artifact.subarray(0, Math.floor(artifact.length * 0.7))));
    expect(truncated.code).toBe("corrupt_artifact");
    const foreign = await providerErrorOf(restoreInto(dep, await backupOf(other)));
    expect(foreign.code).toBe("corrupt_artifact");
    expect(foreign.message).toContain(dep.metadata.schema);
    const garbage = await providerErrorOf(restoreInto(dep, Buffer.from("PGDMP but not really")));
    expect(garbage.code).toBe("corrupt_artifact");

    expect(await tablesOf(dep)).toEqual(["kept", "newer"]);
    expect((await sql(dep, "SELECT count(*)::int AS n FROM kept"))[0].n).toBe(5);
  });

  it("release drops the schema and the role, and its connections end", async () => {
    const dep = await realize("release");
    const dependencyId = `dep_beh${run}release`;
    const app = new pg.Client({ connectionString: dep.connectionUrl });
    app.on("error", () => undefined);
    await app.connect();
    await app.query("CREATE TABLE t (id int)");
    await provider.release!({ dependencyId, kind: "postgres-schema", target, metadata: dep.metadata, signal });
    await expect(app.query("SELECT 1")).rejects.toThrow();
    await app.end().catch(() => undefined);
    expect(await adminQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1", [dep.metadata.schema], shared.adminUrl)).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = $1", [dep.metadata.user])).toEqual([]);
    realized.delete(dependencyId);
  });

  it("refuses a target on the maintenance database, and a schema it did not create", async () => {
    const maintenance = new URL(SERVER_URL);
    maintenance.pathname = "/postgres";
    const refused = await providerErrorOf(provider.realize!({ dependencyId: `dep_beh${run}maint`, name: "m", kind: "postgres-schema", target: { ...target, adminUrl: maintenance.toString() }, signal }));
    expect(refused).toMatchObject({ code: "invalid_input", field: "admin_url" });

    const squatted = `berth_dep_beh${run}squat`;
    await adminQuery(`CREATE SCHEMA ${squatted}`, [], shared.adminUrl);
    const clash = await providerErrorOf(provider.realize!({ dependencyId: `dep_beh${run}squat`, name: "s", kind: "postgres-schema", target, signal }));
    expect(clash.message).toMatch(/not created by this provider/);
    await provider.release!({ dependencyId: `dep_beh${run}squat`, kind: "postgres-schema", target, metadata: {}, signal });
    expect(await adminQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1", [squatted], shared.adminUrl)).toHaveLength(1);
  });

  // The password goes to the server only as a SCRAM verifier: even with every statement
  // logged, the log never holds it. Needs the server's log file (local server).
  const serverLog = process.env.BERTH_TEST_POSTGRES_LOG ?? "/var/log/postgresql/postgresql-15-main.log";
  const logReadable = isReadable(serverLog);
  it.skipIf(!logReadable)(`the password never reaches the server log, even with log_statement = all${logReadable ? "" : ` (skipped: cannot read ${serverLog}; set BERTH_TEST_POSTGRES_LOG)`}`, async () => {
    await adminQuery(`ALTER DATABASE ${pg.escapeIdentifier(shared.name)} SET log_statement = 'all'`);
    const offset = statSync(serverLog).size;
    const dep = await realize("logged");
    await realize("logged"); // the rerun path (ALTER ROLE) too
    const password = decodeURIComponent(new URL(dep.connectionUrl).password);
    const again = decodeURIComponent(new URL(realized.get(`dep_beh${run}logged`)!.connectionUrl).password);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the logger flushes asynchronously
    const log = readFileSync(serverLog).subarray(offset).toString("utf8");
    expect(log, "log_statement = all took effect").toContain(`ROLE "${dep.metadata.user}"`);
    expect(log).toContain("SCRAM-SHA-256$");
    for (const secret of [password, again]) expect(log.includes(secret), "the server log holds a password").toBe(false);
  });
});

function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
