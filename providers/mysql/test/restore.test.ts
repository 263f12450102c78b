import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection, RowDataPacket } from "mysql2/promise";
import { isProviderError, type RealizeResult } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { BACKUP_FORMAT, mysqlProvider } from "../src/index.js";
import { ADMIN_URL, admin, requireServer, withConnection } from "./support.js";

const run = randomBytes(3).toString("hex");
const signal = new AbortController().signal;
const target = { name: "restore", kind: "mysql", adminUrl: ADMIN_URL, publicHost: "db.internal.example" };
const realized: string[] = [];
let dep: RealizeResult;
/** The delivered URL, pointed at the test server instead of the public host. */
let url = "";

async function backup(): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await mysqlProvider.backup!({ kind: "mysql", connectionUrl: url, metadata: dep.metadata, sink, signal });
  return Buffer.concat(chunks);
}

const restore = (artifact: Buffer | Buffer[], options: { signal?: AbortSignal } = {}) =>
  mysqlProvider.restore!({ kind: "mysql", connectionUrl: url, metadata: dep.metadata, source: Readable.from(Array.isArray(artifact) ? artifact : [artifact]), format: BACKUP_FORMAT, signal: options.signal ?? signal });

const codeOf = async (promise: Promise<unknown>) => (await providerErrorOf(promise)).code;

const sql = <T>(fn: (c: Connection) => Promise<T>) => withConnection(url, undefined, fn);
const rows = async (c: Connection, text: string) => (await c.query<RowDataPacket[]>(text))[0];

/** Everything a restore must bring back: objects, their definitions and the tables' contents. */
async function fingerprint(): Promise<unknown> {
  return sql(async (c) => {
    const tables = await rows(c, "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1");
    const base = tables.filter((t) => t.type === "BASE TABLE").map((t) => `\`${t.name}\``);
    return {
      tables,
      checksums: base.length ? await rows(c, `CHECKSUM TABLE ${base.join(", ")} EXTENDED`) : [],
      routines: await rows(c, "SELECT ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1"),
      triggers: await rows(c, "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1"),
      events: await rows(c, "SELECT EVENT_NAME, EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY 1"),
      views: await rows(c, "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"),
      sequence: await rows(c, "SELECT next_not_cached_value FROM invoice_numbers"),
    };
  });
}

beforeAll(async () => {
  await requireServer();
  const id = `dep_rst${run}a`;
  realized.push(id);
  dep = await mysqlProvider.realize!({ dependencyId: id, name: "restore", kind: "mysql", target, signal });
  const parsed = new URL(dep.connectionUrl);
  parsed.host = new URL(ADMIN_URL).host;
  url = parsed.toString();
});
afterAll(async () => {
  for (const id of realized) await mysqlProvider.release!({ dependencyId: id, kind: "mysql", target, metadata: {}, signal }).catch(() => undefined);
});

describe("managed mysql: backup and in-place restore", () => {
  it("delivers the target's public host", () => {
    expect(new URL(dep.connectionUrl).hostname).toBe("db.internal.example");
    expect(dep.metadata).toMatchObject({ host: "db.internal.example", port: new URL(ADMIN_URL).port || "3306", database: `berth_dep_rst${run}a` });
  });

  it("brings back tables, binary data, views, triggers, routines, events and sequences, and removes what came after", async () => {
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await sql(async (c) => {
      await c.query(`
        CREATE TABLE accounts (id int PRIMARY KEY, name varchar(100) NOT NULL, avatar blob) ;
        CREATE TABLE orders (id int AUTO_INCREMENT PRIMARY KEY, account_id int NOT NULL, total decimal(10,2), note text,
          FOREIGN KEY (account_id) REFERENCES accounts (id));
        CREATE TABLE audit (id int AUTO_INCREMENT PRIMARY KEY, what varchar(200));
        CREATE SEQUENCE invoice_numbers START WITH 1000;
        CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
        CREATE TRIGGER orders_audit AFTER INSERT ON orders FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('order ', NEW.id));
        CREATE FUNCTION double_it (x int) RETURNS int DETERMINISTIC RETURN x * 2;
        CREATE PROCEDURE add_order (a int, t decimal(10,2)) INSERT INTO orders (account_id, total) VALUES (a, t);
        CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM audit WHERE id < 0;`);
      await c.query("INSERT INTO accounts VALUES (1, 'Zoë 🚀 O''Brien', ?), (2, 'line\\nbreak \\\\ backslash', NULL)", [everyByte]);
      await c.query("CALL add_order(1, 250.50); CALL add_order(2, 12.00); INSERT INTO orders (account_id, total, note) VALUES (1, 99.99, 'tab\\there');");
    });
    const before = await fingerprint();
    const artifact = await backup();
    expect(artifact.subarray(0, 200).toString()).toMatch(/-- MariaDB dump|-- MySQL dump/);

    await sql(async (c) => {
      await c.query(`
        INSERT INTO accounts VALUES (3, 'later', NULL);
        UPDATE accounts SET name = 'renamed' WHERE id = 1;
        DROP VIEW big_orders;
        DROP PROCEDURE add_order;
        CREATE TABLE added_later (id int PRIMARY KEY);
        CREATE TABLE child_of_accounts (id int PRIMARY KEY, account_id int, FOREIGN KEY (account_id) REFERENCES accounts (id));
        CREATE VIEW view_later AS SELECT 1 AS one;
        CREATE PROCEDURE proc_later () SELECT 1;
        CREATE EVENT event_later ON SCHEDULE EVERY 1 HOUR DISABLE DO SELECT 1;
        SELECT NEXTVAL(invoice_numbers);`);
    });
    expect(await fingerprint()).not.toEqual(before);

    await restore(artifact);
    expect(await fingerprint()).toEqual(before);
    const [avatar] = await sql((c) => rows(c, "SELECT avatar, name FROM accounts WHERE id = 1"));
    expect(Buffer.compare(avatar.avatar as Buffer, everyByte)).toBe(0);
    expect(avatar.name).toBe("Zoë 🚀 O'Brien");
    const [doubled] = await sql((c) => rows(c, "SELECT double_it(21) AS v"));
    expect(doubled.v).toBe(42);

    // Restoring again (a retried job), from a stream of small chunks, gives the same state.
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < artifact.length; offset += 1000) pieces.push(artifact.subarray(offset, offset + 1000));
    await restore(pieces);
    expect(await fingerprint()).toEqual(before);
  });

  it("refuses garbage before touching anything, and reports SQL errors and truncation as corrupt_artifact", async () => {
    const before = await fingerprint();
    expect(await codeOf(restore(Buffer.from("PK\u0003\u0004 definitely not a dump")))).toBe("corrupt_artifact");
    expect(await codeOf(restore(Buffer.alloc(0)))).toBe("corrupt_artifact");
    expect(await codeOf(mysqlProvider.restore!({ kind: "mysql", connectionUrl: url, metadata: dep.metadata, source: Readable.from([Buffer.from("x")]), format: "pg_dump-custom", signal }))).toBe(
      "corrupt_artifact",
    );
    expect(await fingerprint()).toEqual(before);

    const good = await backup();
    // A dump header followed by something that is not SQL: fails typed (the objects are gone by then).
    expect(await codeOf(restore(Buffer.from("-- MariaDB dump 10.19\nCREATE TABLE (((;\n")))).toBe("corrupt_artifact");
    // A cut-off artifact loads what it has, then fails typed; the full artifact repairs it.
    const cut = good.subarray(0, good.lastIndexOf("-- Dump completed"));
    expect(await codeOf(restore(cut))).toBe("corrupt_artifact");
    await restore(good);
    expect(await fingerprint()).toEqual(before);
  });

  it("honours an aborted signal", async () => {
    const aborted = AbortSignal.abort();
    const sink = new PassThrough();
    sink.resume();
    expect(isProviderError(await mysqlProvider.backup!({ kind: "mysql", connectionUrl: url, metadata: dep.metadata, sink, signal: aborted }).catch((e: unknown) => e))).toBe(true);
  });

  it("release ends the user's open sessions, drops database and user, and succeeds again", async () => {
    const id = `dep_rst${run}b`;
    realized.push(id);
    const other = await mysqlProvider.realize!({ dependencyId: id, name: "busy", kind: "mysql", target: { ...target, publicHost: undefined }, signal });
    await withConnection(other.connectionUrl, undefined, async (c) => {
      // An open transaction holding a metadata lock that would block DROP DATABASE.
      await c.query("CREATE TABLE held (id int PRIMARY KEY); BEGIN; INSERT INTO held VALUES (1)");
      await mysqlProvider.release!({ dependencyId: id, kind: "mysql", target, metadata: other.metadata, signal });
      await expect(c.query("SELECT 1")).rejects.toThrow();
    });
    await mysqlProvider.release!({ dependencyId: id, kind: "mysql", target, metadata: other.metadata, signal });
    const left = await admin(async (c) => ({
      databases: await rows(c, `SHOW DATABASES LIKE 'berth_dep_rst${run}b'`),
      users: (await c.query<RowDataPacket[]>("SELECT User FROM mysql.user WHERE User = ?", [other.metadata.user]))[0],
    }));
    expect(left).toEqual({ databases: [], users: [] });
  });
});
