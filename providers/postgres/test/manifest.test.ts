import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { compareContent, isProviderError, type BackupManifest } from "@berth/provider-sdk";
import { adminQuery } from "../../../test/support/env.js";
import { postgresProvider } from "../src/index.js";

const ADMIN_URL = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const target = { name: "manifest-test", kind: "postgres", adminUrl: ADMIN_URL };
const signal = new AbortController().signal;
const run = randomBytes(3).toString("hex");
const realized: Array<{ id: string; metadata: Record<string, string> }> = [];

async function realize(suffix: string) {
  const id = `dep_mf${run}${suffix}`;
  const result = await postgresProvider.realize!({ dependencyId: id, name: suffix, kind: "postgres", target, signal });
  realized.push({ id, metadata: result.metadata });
  return result;
}

const sql = (connectionUrl: string, text: string, params: unknown[] = []) => adminQuery(text, params, connectionUrl);

async function backupOf(connectionUrl: string) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  const result = await postgresProvider.backup!({ kind: "postgres", connectionUrl, sink, signal });
  return { artifact: Buffer.concat(chunks), manifest: result.manifest! };
}

afterAll(async () => {
  for (const { id, metadata } of realized) await postgresProvider.release!({ dependencyId: id, kind: "postgres", target, metadata, signal });
});

describe("postgres backup manifest", { timeout: 120_000 }, () => {
  it("counts the rows of the dump's own snapshot while writers keep inserting, so a restored copy matches it exactly", async () => {
    const source = await realize("s");
    await sql(source.connectionUrl, "CREATE TABLE orders (id bigserial PRIMARY KEY, note text); CREATE SCHEMA audit; CREATE TABLE audit.events (at timestamptz, what text)");
    await sql(source.connectionUrl, "INSERT INTO orders (note) SELECT 'order ' || g FROM generate_series(1, 200000) g; INSERT INTO audit.events SELECT now(), 'e' FROM generate_series(1, 50)");
    let writing = true;
    const writer = (async () => {
      let writes = 0;
      while (writing) {
        await sql(source.connectionUrl, "INSERT INTO orders (note) VALUES ('late'); INSERT INTO audit.events VALUES (now(), 'late')");
        writes++;
      }
      return writes;
    })();
    const { artifact, manifest } = await backupOf(source.connectionUrl);
    writing = false;
    expect(await writer, "the writer ran during the backup").toBeGreaterThan(0);

    expect(manifest.engine).toEqual({ name: "postgres", version: expect.stringMatching(/^\d+\.\d+/) });
    expect(manifest.tool).toEqual({ name: "pg_dump", version: expect.stringMatching(/^\d+\.\d+/) });
    expect(manifest.formatVersion).toMatch(/^1\.\d+\.\d+$/);
    const orders = manifest.content.entries.find((e) => e.name === "public.orders")!;
    expect(orders.count).toBeGreaterThanOrEqual(200_000);
    // Above the fingerprint limit: counted only. The small table has a fingerprint.
    expect(orders.fingerprint).toBeUndefined();
    expect(manifest.content.entries.find((e) => e.name === "audit.events")!.fingerprint).toMatch(/^md5-sum64:-?\d+$/);

    const copy = await realize("c");
    await postgresProvider.restore!({ kind: "postgres", connectionUrl: copy.connectionUrl, source: Readable.from([artifact]), format: "pg_dump-custom", manifest, signal });
    const restored = await postgresProvider.describeContent!({ kind: "postgres", connectionUrl: copy.connectionUrl, signal });
    expect(compareContent(manifest.content, restored).filter((check) => !check.ok)).toEqual([]);
    // The source moved on: comparing it with the manifest shows the late rows.
    const live = await postgresProvider.describeContent!({ kind: "postgres", connectionUrl: source.connectionUrl, signal });
    expect(compareContent(manifest.content, live).find((check) => check.name === "table public.orders rows")!.ok).toBe(false);
  });

  it("a changed value with the same row count shows as a fingerprint difference", async () => {
    const db = await realize("f");
    await sql(db.connectionUrl, "CREATE TABLE prices (sku text PRIMARY KEY, cents int); INSERT INTO prices VALUES ('a', 100), ('b', 200)");
    const { manifest } = await backupOf(db.connectionUrl);
    await sql(db.connectionUrl, "UPDATE prices SET cents = 201 WHERE sku = 'b'");
    const failed = compareContent(manifest.content, await postgresProvider.describeContent!({ kind: "postgres", connectionUrl: db.connectionUrl, signal })).filter((c) => !c.ok);
    expect(failed.map((check) => check.name)).toEqual(["table public.prices fingerprint"]);
  });

  it("refuses a dump from a newer pg_dump or server major before touching the target, naming both versions", async () => {
    const db = await realize("v");
    await sql(db.connectionUrl, "CREATE TABLE keep (v text); INSERT INTO keep VALUES ('before')");
    const { artifact, manifest } = await backupOf(db.connectionUrl);
    await sql(db.connectionUrl, "INSERT INTO keep VALUES ('after')");
    const local = manifest.tool.version;
    for (const newer of [
      { ...manifest, tool: { name: "pg_dump", version: "17.2" }, engine: { name: "postgres", version: "17.2" } },
      { ...manifest, engine: { name: "postgres", version: "16.4" } },
    ] satisfies BackupManifest[]) {
      const error = await postgresProvider.restore!({ kind: "postgres", connectionUrl: db.connectionUrl, source: Readable.from([artifact]), format: "pg_dump-custom", manifest: newer, signal }).catch((e: unknown) => e);
      expect(isProviderError(error) && error.code).toBe("incompatible_version");
      expect((error as Error).message).toContain(newer.engine.version === "16.4" ? "16.4" : "17.2");
      expect((error as Error).message).toContain(newer.engine.version === "16.4" ? manifest.engine.version : local);
    }
    expect((await sql(db.connectionUrl, "SELECT count(*)::int AS n FROM keep"))[0].n).toBe(2);
    // An older backup without a manifest restores as before.
    await postgresProvider.restore!({ kind: "postgres", connectionUrl: db.connectionUrl, source: Readable.from([artifact]), format: "pg_dump-custom", signal });
    expect((await sql(db.connectionUrl, "SELECT count(*)::int AS n FROM keep"))[0].n).toBe(1);
  });
});
