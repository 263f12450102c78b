import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareContent, isProviderError } from "@berth/provider-sdk";
import { BACKUP_FORMAT, mysqlProvider } from "../src/index.js";
import { ADMIN_URL, requireServer, withConnection } from "./support.js";

const run = randomBytes(3).toString("hex");
const signal = new AbortController().signal;
const target = { name: "manifest", kind: "mysql", adminUrl: ADMIN_URL };
const realized: Array<{ id: string; metadata: Record<string, string> }> = [];

async function realize(suffix: string) {
  const id = `dep_mf${run}${suffix}`;
  const result = await mysqlProvider.realize!({ dependencyId: id, name: suffix, kind: "mysql", target, signal });
  realized.push({ id, metadata: result.metadata });
  return result;
}

beforeAll(requireServer);
afterAll(async () => {
  for (const { id, metadata } of realized) await mysqlProvider.release!({ dependencyId: id, kind: "mysql", target, metadata, signal });
});

describe("mysql backup manifest", { timeout: 120_000 }, () => {
  it("counts rows from the dump stream itself: awkward values, routines and concurrent writers do not skew it", async () => {
    const source = await realize("s");
    await withConnection(source.connectionUrl, undefined, async (c) => {
      await c.query("CREATE TABLE notes (id int AUTO_INCREMENT PRIMARY KEY, body text, raw blob) ENGINE=InnoDB");
      await c.query("INSERT INTO notes (body, raw) VALUES (?, ?), (?, ?), (?, NULL)", ["it's (a) test;\nINSERT INTO `notes` VALUES (9);", Buffer.from([0, 39, 40, 41, 59, 92, 10]), "\\'(", Buffer.from("x"), "`tick`"]);
      await c.query("CREATE TABLE empty_one (id int) ENGINE=InnoDB");
      await c.query("CREATE TABLE `odd``name` (id int) ENGINE=InnoDB");
      await c.query("INSERT INTO `odd``name` VALUES (1), (2)");
      await c.query("CREATE TABLE big (id int AUTO_INCREMENT PRIMARY KEY, pad varchar(200)) ENGINE=InnoDB");
      await c.query("INSERT INTO big (pad) SELECT REPEAT('p', 150) FROM seq_1_to_30000");
      await c.query("CREATE VIEW big_view AS SELECT id FROM big");
      await c.query("CREATE PROCEDURE add_note() BEGIN\nINSERT INTO `notes` VALUES (NULL, 'from a routine', NULL);\nEND");
    });
    let writing = true;
    const writer = (async () => {
      let writes = 0;
      while (writing) {
        await withConnection(source.connectionUrl, undefined, (c) => c.query("INSERT INTO big (pad) VALUES ('late')"));
        writes++;
      }
      return writes;
    })();
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { manifest } = await mysqlProvider.backup!({ kind: "mysql", connectionUrl: source.connectionUrl, metadata: source.metadata, sink, signal });
    writing = false;
    expect(await writer, "the writer ran during the backup").toBeGreaterThan(0);

    expect(manifest!.engine).toEqual({ name: "mariadb", version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(manifest!.tool).toEqual({ name: expect.stringMatching(/^(mariadb-dump|mysqldump)$/), version: expect.stringMatching(/^\d+\.\d+/) });
    const counts = Object.fromEntries(manifest!.content.entries.map((e) => [e.name, e.count]));
    expect(counts).toMatchObject({ notes: 3, empty_one: 0, "odd`name": 2 });
    expect(counts.big).toBeGreaterThanOrEqual(30_000);
    expect(Object.keys(counts)).not.toContain("big_view");

    // The late rows show as a difference; restoring in place brings back exactly the manifest's counts.
    // (Not into another dependency: the view's and routine's DEFINER names the source's user.)
    const live = await mysqlProvider.describeContent!({ kind: "mysql", connectionUrl: source.connectionUrl, metadata: source.metadata, signal });
    expect(compareContent(manifest!.content, live).find((check) => check.name === "table big rows")!.ok).toBe(false);
    await mysqlProvider.restore!({ kind: "mysql", connectionUrl: source.connectionUrl, metadata: source.metadata, source: Readable.from(chunks), format: BACKUP_FORMAT, manifest, signal });
    const restored = await mysqlProvider.describeContent!({ kind: "mysql", connectionUrl: source.connectionUrl, metadata: source.metadata, signal });
    expect(compareContent(manifest!.content, restored).filter((check) => !check.ok)).toEqual([]);
  });

  it("refuses a dump from a newer server before dropping anything, naming both versions", async () => {
    const db = await realize("v");
    await withConnection(db.connectionUrl, undefined, (c) => c.query("CREATE TABLE keep (v int); INSERT INTO keep VALUES (1)"));
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { manifest } = await mysqlProvider.backup!({ kind: "mysql", connectionUrl: db.connectionUrl, metadata: db.metadata, sink, signal });
    await withConnection(db.connectionUrl, undefined, (c) => c.query("CREATE TABLE later (v int)"));
    const [major, minor] = manifest!.engine.version.split(".").map(Number);
    const newer = { ...manifest!, engine: { name: "mariadb", version: `${major}.${minor + 1}.0` } };
    const error = await mysqlProvider.restore!({ kind: "mysql", connectionUrl: db.connectionUrl, metadata: db.metadata, source: Readable.from(chunks), format: BACKUP_FORMAT, manifest: newer, signal }).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("incompatible_version");
    expect((error as Error).message).toContain(newer.engine.version);
    expect((error as Error).message).toContain(manifest!.engine.version);
    const live = await mysqlProvider.describeContent!({ kind: "mysql", connectionUrl: db.connectionUrl, metadata: db.metadata, signal });
    expect(live.entries.map((e) => e.name)).toEqual(["keep", "later"]);
  });
});
