import { createHash, randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareContent, type BackupManifest, type RealizationTarget, type RealizeResult } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { clickhouseProvider, CLICKHOUSE_FORMAT } from "../src/index.js";
import { trailingException } from "../src/server-exception.js";
import { sha256Hex } from "../src/users.js";
import { ADMIN_URL, chQuery, requireServer } from "./server.js";
import { toV1Artifact } from "./v1-artifact.js";

const version = await requireServer();
const signal = new AbortController().signal;
const run = randomBytes(3).toString("hex");
const target: RealizationTarget = { name: "clickhouse-test", kind: "clickhouse", adminUrl: ADMIN_URL };
const usersDir = new URL(ADMIN_URL).searchParams.get("usersDir");
const provider = clickhouseProvider;

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

let lastManifest: BackupManifest | undefined;

async function backupOf(result: RealizeResult): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => sink.on("end", resolve));
  const { format, manifest } = await provider.backup!({ kind: "clickhouse", connectionUrl: result.connectionUrl, metadata: result.metadata, sink, signal });
  lastManifest = manifest;
  await ended;
  expect(format).toBe(CLICKHOUSE_FORMAT);
  return Buffer.concat(chunks);
}

async function restoreFrom(result: RealizeResult, artifact: Buffer): Promise<void> {
  await provider.restore!({ kind: "clickhouse", connectionUrl: result.connectionUrl, metadata: result.metadata, source: Readable.from([artifact]), format: CLICKHOUSE_FORMAT, signal });
}

/** Every table's rows, sorted, as the SHA-256 of their Native bytes and a row count, to compare a database before and after. */
async function snapshot(result: RealizeResult, tables: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of tables) {
    const url = new URL(result.connectionUrl);
    const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64");
    const sql = `SELECT * FROM ${table} ORDER BY tuple(*) FORMAT Native`;
    const response = await fetch(`${url.protocol}//${url.host}/?database=${result.metadata.database}`, { method: "POST", headers: { authorization: `Basic ${auth}` }, body: sql });
    expect(response.ok).toBe(true);
    const count = await chQuery(result.connectionUrl, result.metadata.database, `SELECT count() FROM ${table}`);
    out[table] = `${count.trim()} rows, sha256 ${createHash("sha256").update(Buffer.from(await response.arrayBuffer())).digest("hex")}`;
  }
  return out;
}

async function tablesOf(result: RealizeResult): Promise<string[]> {
  return (await chQuery(result.connectionUrl, result.metadata.database, "SHOW TABLES")).split("\n").filter(Boolean);
}

describe(`clickhouse provider against ClickHouse ${version} at ${new URL(ADMIN_URL).host}`, () => {
  const idA = `dep_ch${run}a`;
  const idB = `dep_ch${run}b`;
  let a: RealizeResult;
  let b: RealizeResult;

  beforeAll(async () => {
    a = await provider.realize!({ dependencyId: idA, name: "a", kind: "clickhouse", target, signal });
    b = await provider.realize!({ dependencyId: idB, name: "b", kind: "clickhouse", target, signal });
    const q = (sql: string) => chQuery(a.connectionUrl, a.metadata.database, sql);
    await q("CREATE TABLE events (id UInt32, at DateTime, name String, tags Array(String), score Nullable(Float64), raw FixedString(4)) ENGINE = MergeTree ORDER BY id");
    await q("INSERT INTO events VALUES (1, '2024-01-02 03:04:05', 'tab\\there', ['x','y'], 1.5, 'ab\\0\\n'), (2, '2024-02-03 04:05:06', 'quote\\'s \\\\ ünï', [], NULL, '\\xff\\xfe\\x00\\x01')");
    await q("INSERT INTO events SELECT number + 10, toDateTime('2024-01-01 00:00:00') + number, toString(number), [toString(number)], number / 3, 'zzzz' FROM system.numbers LIMIT 20000");
    await q("CREATE TABLE notes (k String, v String) ENGINE = Log");
    await q("INSERT INTO notes VALUES ('a', 'first')");
    await q("CREATE TABLE empty_table (k UInt8) ENGINE = TinyLog");
    await q("CREATE VIEW recent AS SELECT id, name FROM events WHERE id < 5");
    await q("CREATE MATERIALIZED VIEW doubled ENGINE = Log AS SELECT id * 2 AS twice FROM events");
    await q("INSERT INTO events VALUES (3, '2024-03-04 05:06:07', 'after the view', ['v'], 3.0, 'mvmv')");
  });

  afterAll(async () => {
    for (const [id, result] of [[idA, a], [idB, b]] as const) {
      if (result) await provider.release!({ dependencyId: id, kind: "clickhouse", target, metadata: result.metadata, signal }).catch(() => undefined);
    }
  });

  it("B's user cannot query, list or change A's database", async () => {
    const asB = (sql: string, database = a.metadata.database) => chQuery(b.connectionUrl, database, sql);
    await expect(asB("SELECT count() FROM events")).rejects.toThrow(/Access denied|ACCESS_DENIED|Not enough privileges/);
    await expect(asB(`SELECT count() FROM ${a.metadata.database}.events`, b.metadata.database)).rejects.toThrow(/Access denied|ACCESS_DENIED|Not enough privileges/);
    await expect(asB(`DROP TABLE ${a.metadata.database}.notes`, b.metadata.database)).rejects.toThrow(/Access denied|ACCESS_DENIED|Not enough privileges/);
    await expect(asB("SELECT 1", "default")).rejects.toThrow(/Access denied|ACCESS_DENIED|Not enough privileges/);
    const seen = await asB(`SELECT name FROM system.tables WHERE database = '${a.metadata.database}'`, b.metadata.database);
    expect(seen).toBe("");
    await expect(asB("CREATE DATABASE berth_not_mine", b.metadata.database)).rejects.toThrow(/Access denied|ACCESS_DENIED|Not enough privileges/);
    // Nor through the server's own HTTP interface, as a user without a password (url() runs on the server).
    const port = new URL(ADMIN_URL).port || "8123";
    for (const user of ["default", "readonly"]) {
      const via = `SELECT * FROM url('http://127.0.0.1:${port}/?user=${user}&query=SELECT%20count()%20FROM%20${a.metadata.database}.notes', TabSeparated, 'n UInt64')`;
      await expect(asB(via, b.metadata.database), `B read A's data through url() as ${user}`).rejects.toThrow();
    }
    // A's own user still works.
    expect((await chQuery(a.connectionUrl, a.metadata.database, "SELECT count() FROM notes")).trim()).toBe("1");
  });

  it("the password appears nowhere: not in metadata, users.d files, the artifact, errors or server logs", async () => {
    const password = decodeURIComponent(new URL(a.connectionUrl).password);
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(JSON.stringify(a.metadata)).not.toContain(password);
    if (usersDir && existsSync(usersDir)) {
      const file = readFileSync(join(usersDir, `${a.metadata.user}.xml`), "utf8");
      expect(file).toContain(`<password_sha256_hex>${sha256Hex(password)}</password_sha256_hex>`);
      expect(file).toContain(`<database>${a.metadata.database}</database>`);
      const adminPassword = decodeURIComponent(new URL(ADMIN_URL).password);
      for (const name of readdirSync(usersDir)) {
        const text = readFileSync(join(usersDir, name), "utf8");
        expect(text, name).not.toContain(password);
        if (adminPassword) expect(text, name).not.toContain(adminPassword);
      }
    }
    expect((await backupOf(a)).includes(password)).toBe(false);
    const errors = [
      await providerErrorOf(provider.probe!({ kind: "clickhouse", connectionUrl: a.connectionUrl.replace(/:\d+\//, ":1/"), signal })),
      await providerErrorOf(provider.probe!({ kind: "clickhouse", connectionUrl: a.connectionUrl.replace(`/${a.metadata.database}`, "/berth_missing_db"), signal })),
      await providerErrorOf(provider.backup!({ kind: "clickhouse", connectionUrl: a.connectionUrl.replace(`/${a.metadata.database}`, "/default"), sink: new PassThrough(), signal })),
      await providerErrorOf(Promise.resolve().then(() => provider.describeConnection("clickhouse", a.connectionUrl.replace("http://", "ftp://")))),
    ].map((e) => e.message);
    for (const message of errors) expect(message).not.toContain(password);
    const logDir = "/var/log/clickhouse-server";
    if (new URL(ADMIN_URL).hostname === "127.0.0.1" && existsSync(logDir)) {
      for (const name of readdirSync(logDir)) {
        const path = join(logDir, name);
        if (readable(path)) expect(readFileSync(path).includes(password), `${name} holds the password`).toBe(false);
      }
    }
  });

  it("a wrong password is refused as authentication_failed; a missing database as database_missing", async () => {
    const wrong = new URL(a.connectionUrl);
    wrong.password = "not-the-password";
    expect((await providerErrorOf(provider.probe!({ kind: "clickhouse", connectionUrl: wrong.toString(), signal }))).code).toBe("authentication_failed");
    const missing = new URL(ADMIN_URL);
    missing.pathname = `/berth_missing_${run}`;
    missing.search = "";
    expect((await providerErrorOf(provider.probe!({ kind: "clickhouse", connectionUrl: missing.toString(), signal }))).code).toBe("database_missing");
    const native = a.connectionUrl.replace("http://", "clickhouse://").replace(/:\d+\//, ":9000/");
    expect((await providerErrorOf(provider.probe!({ kind: "clickhouse", connectionUrl: native, signal }))).code).toBe("unsupported");
  });

  it("backup and restore bring every table, view and materialized view back byte for byte; later tables are gone", async () => {
    const tables = ["events", "notes", "empty_table", "recent", "doubled"];
    const before = await snapshot(a, tables);
    expect(before.doubled).toMatch(/^1 rows/);
    expect(before.events).toMatch(/^20003 rows/);
    const native = await chQuery(a.connectionUrl, a.metadata.database, "SELECT * FROM events ORDER BY id FORMAT TabSeparated");
    const artifact = await backupOf(a);
    const manifest = lastManifest!;
    const counts = Object.fromEntries(manifest.content.entries.map((e) => [e.name, e.count]));
    // Data tables only (views hold no rows); the materialized view's inner table is named after its view.
    expect(counts).toMatchObject({ events: 20003, empty_table: 0, ".inner.doubled": 1 });
    expect(manifest.engine.name).toBe("clickhouse");
    const liveContent = () => provider.describeContent!({ kind: "clickhouse", connectionUrl: a.connectionUrl, metadata: a.metadata, signal });

    const q = (sql: string) => chQuery(a.connectionUrl, a.metadata.database, sql);
    await q("INSERT INTO events VALUES (99, '2025-01-01 00:00:00', 'later', [], 0, 'late')");
    await q("INSERT INTO notes VALUES ('b', 'second')");
    await q("DROP TABLE empty_table");
    await q("CREATE TABLE created_later (k UInt8) ENGINE = Log");
    await q("INSERT INTO created_later VALUES (1)");

    expect(compareContent(manifest.content, await liveContent()).filter((c) => !c.ok).map((c) => c.name)).toContain("table events rows");
    await restoreFrom(a, artifact);
    expect(compareContent(manifest.content, await liveContent()).filter((c) => !c.ok)).toEqual([]);
    expect((await tablesOf(a)).filter((t) => !t.startsWith(".inner")).sort()).toEqual([...tables].sort());
    expect(await snapshot(a, tables)).toEqual(before);
    expect(await q("SELECT * FROM events ORDER BY id FORMAT TabSeparated")).toBe(native);
    // The restored materialized view still follows its source.
    await q("INSERT INTO events VALUES (4, '2025-01-01 00:00:00', 'after restore', [], 0, 'zzzz')");
    expect((await q("SELECT count() FROM doubled")).trim()).toBe("2");
    // Its new backup equals the first, apart from nothing: the same tables and bytes come back.
    await restoreFrom(a, artifact);
    expect(await snapshot(a, tables)).toEqual(before);
    // B was not touched.
    expect(await tablesOf(b)).toEqual([]);
  });

  it("an artifact in the v1 format that backups before v2 wrote still restores; a truncated one is refused", async () => {
    const tables = ["events", "notes", "empty_table", "recent", "doubled"];
    const before = await snapshot(a, tables);
    const v1 = await toV1Artifact(await backupOf(a));
    expect(v1.subarray(0, 24).toString()).toBe("BERTH-CLICKHOUSE-DUMP-1\n");
    const q = (sql: string) => chQuery(a.connectionUrl, a.metadata.database, sql);
    await q("INSERT INTO notes VALUES ('v1', 'after the backup')");
    await q("DROP TABLE empty_table");
    const restoreV1 = (bytes: Buffer) =>
      provider.restore!({ kind: "clickhouse", connectionUrl: a.connectionUrl, metadata: a.metadata, source: Readable.from([bytes]), format: "clickhouse-native-v1", signal });
    expect((await providerErrorOf(restoreV1(v1.subarray(0, v1.length - 1)))).code).toBe("corrupt_artifact");
    await restoreV1(v1);
    expect(await snapshot(a, tables)).toEqual(before);
  });

  it("a truncated, foreign or garbage artifact is refused before anything is dropped", async () => {
    const artifact = await backupOf(a);
    const tables = await tablesOf(a);
    for (const [name, bytes] of [
      ["truncated", artifact.subarray(0, artifact.length - 1)],
      ["cut mid-data", artifact.subarray(0, Math.floor(artifact.length / 2))],
      ["garbage", randomBytes(4096)],
      ["empty", Buffer.alloc(0)],
      ["trailing bytes", Buffer.concat([artifact, Buffer.from("x")])],
    ] as const) {
      const error = await providerErrorOf(restoreFrom(a, bytes));
      expect(error.code, name).toBe("corrupt_artifact");
    }
    expect(await tablesOf(a)).toEqual(tables);
    const foreign = await providerErrorOf(restoreFrom(b, artifact));
    expect(foreign.code).toBe("invalid_input");
    expect(await tablesOf(b)).toEqual([]);
  });

  it.runIf(/^(1\d|20\.[0-3])\./.test(version))("on a server without SQL users, a target without usersDir is refused as unsupported", async () => {
    const withoutDir = new URL(ADMIN_URL);
    withoutDir.searchParams.delete("usersDir");
    const error = await providerErrorOf(provider.realize!({ dependencyId: `dep_ch${run}n`, name: "n", kind: "clickhouse", target: { ...target, adminUrl: withoutDir.toString() }, signal }));
    expect(error.code).toBe("unsupported");
    expect(error.message).toContain("usersDir");
    // Nothing was created.
    expect((await chQuery(ADMIN_URL, "default", `SELECT count() FROM system.databases WHERE name = 'berth_dep_ch${run}n'`)).trim()).toBe("0");
  });
});

describe("trailingException", () => {
  it("finds the exception a failed query appends to its body, in 18.x and newer forms", () => {
    const data = Buffer.from([0x02, 0x00, 0x01, 0x61, 0x00]);
    expect(trailingException(Buffer.concat([data, Buffer.from("Code: 395, e.displayText() = DB::Exception: Value passed to 'throwIf' function is non zero, e.what() = DB::Exception\n")]))).toMatch(/^Code: 395/);
    expect(trailingException(Buffer.concat([data, Buffer.from("Code: 241. DB::Exception: Memory limit exceeded. (MEMORY_LIMIT_EXCEEDED) (version 23.8.1)\n")]))).toMatch(/^Code: 241/);
    expect(trailingException(Buffer.concat([data, Buffer.from("__exception__\r\nCode: 1. DB::Exception: x\r\n")]))).toContain("Code: 1");
  });

  it("does not take data for an exception", () => {
    expect(trailingException(Buffer.from([0x02, 0x00, 0x01, 0x61, 0x00]))).toBeUndefined();
    expect(trailingException(Buffer.concat([Buffer.from("Code: 1, e.displayText() = DB::Exception: inside a value"), Buffer.from([0x00, 0x01])]))).toBeUndefined();
    expect(trailingException(Buffer.from("Code: 12 is a nice number"))).toBeUndefined();
  });
});
