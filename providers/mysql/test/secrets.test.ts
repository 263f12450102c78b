import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RowDataPacket } from "mysql2/promise";
import type { RealizeResult, SafeMetadata } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { BACKUP_FORMAT, mysqlProvider } from "../src/index.js";
import { nativePasswordHash } from "../src/password.js";
import { ADMIN_URL, IS_LOCAL_DEFAULT, admin, requireServer, withConnection } from "./support.js";

// Every dump/client run in this file goes through wrappers that record their argv, environment
// and option file, then exec the real tool: the password must appear in none but the option file,
// and that file must be gone afterwards.
const spy = mkdtempSync(join(tmpdir(), "berth-mysql-spy-"));
for (const tool of ["mariadb-dump", "mariadb"]) {
  const real = (process.env.PATH ?? "")
    .split(":")
    .map((dir) => join(dir, tool))
    .find((path) => existsSync(path));
  if (!real) continue;
  writeFileSync(
    join(spy, tool),
    `#!/bin/sh\n{ printf 'ARGV:'; printf ' %s' "$@"; printf '\\n'; env | sed 's/^/ENV: /'; } >> "${spy}/calls.log"\ncase "$1" in --defaults-file=*) f="\${1#--defaults-file=}"; echo "FILE: $f $(stat -c %a "$f")" >> "${spy}/calls.log";; esac\nexec ${real} "$@"\n`,
  );
  chmodSync(join(spy, tool), 0o755);
}
process.env.PATH = `${spy}:${process.env.PATH}`;

const run = randomBytes(3).toString("hex");
const signal = new AbortController().signal;
const target = { name: "secrets", kind: "mysql", adminUrl: ADMIN_URL };
const realized: string[] = [];

async function realize(suffix: string): Promise<RealizeResult & { id: string }> {
  const id = `dep_sec${run}${suffix}`;
  realized.push(id);
  return { id, ...(await mysqlProvider.realize!({ dependencyId: id, name: suffix, kind: "mysql", target, signal })) };
}

async function backupOf(connectionUrl: string, metadata: SafeMetadata): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await mysqlProvider.backup!({ kind: "mysql", connectionUrl, metadata, sink, signal });
  return Buffer.concat(chunks);
}

const withPassword = (url: string, password: string) => {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
};

beforeAll(requireServer);
afterAll(async () => {
  for (const id of realized) await mysqlProvider.release!({ dependencyId: id, kind: "mysql", target, metadata: {}, signal }).catch(() => undefined);
  rmSync(spy, { recursive: true, force: true });
});

describe("managed mysql: what a dependency's user can see and what leaks", () => {
  it("the user sees only its own database and holds no global privilege or GRANT OPTION", async () => {
    const a = await realize("a");
    await realize("b");
    const databases = await withConnection(a.connectionUrl, undefined, async (c) => (await c.query<RowDataPacket[]>("SHOW DATABASES"))[0].map((r) => r.Database as string));
    expect(databases.sort()).toEqual([a.metadata.database, "information_schema"].sort());
    const grants = await withConnection(a.connectionUrl, undefined, async (c) => (await c.query<RowDataPacket[]>("SHOW GRANTS"))[0].map((r) => Object.values(r)[0] as string));
    expect(grants.join("\n")).not.toMatch(/GRANT OPTION/);
    expect(grants.filter((g) => / ON \*\.\* /.test(g)).every((g) => g.startsWith("GRANT USAGE ON *.*"))).toBe(true);
    await expect(withConnection(a.connectionUrl, undefined, (c) => c.query("SELECT * FROM mysql.user"))).rejects.toThrow(/denied/);
  });

  it("names fit MySQL 8's 32-character user names, and longer ids fail typed", async () => {
    const a = await realize("n");
    expect(a.metadata.user).toBe(`berth_dep_sec${run}n`);
    const berthId = `dep_${"7HqK2xZ9".repeat(2)}`; // newId("dep") is dep_ + 16 characters
    expect(`berth_${berthId.toLowerCase()}`.length).toBeLessThanOrEqual(32);
    const error = await providerErrorOf(mysqlProvider.realize!({ dependencyId: `dep_${"x".repeat(30)}`, name: "long", kind: "mysql", target, signal }));
    expect(error.code).toBe("invalid_input");
  });

  it("sends MariaDB the password hash the server itself computes, and the plaintext never reaches the general log", async () => {
    const sample = `Pw${randomBytes(8).toString("hex")}`;
    const serverHash = await admin(async (c) => (await c.query<RowDataPacket[]>("SELECT PASSWORD(?) AS h", [sample]))[0][0].h as string);
    expect(nativePasswordHash(sample)).toBe(serverHash);
    if (!IS_LOCAL_DEFAULT) return; // toggling the general log is for the local development server only
    const [[before]] = await admin((c) => c.query<RowDataPacket[]>("SELECT @@global.general_log AS on_, @@global.log_output AS output, NOW(6) AS now"));
    await admin((c) => c.query("SET GLOBAL log_output = 'TABLE', GLOBAL general_log = 1"));
    let a: RealizeResult;
    try {
      a = await realize("g");
      a = await realize("g"); // the ALTER USER path too
      await backupOf(a.connectionUrl, a.metadata);
    } finally {
      await admin((c) => c.query(`SET GLOBAL general_log = ${Number(before.on_)}, GLOBAL log_output = ?`, [before.output]));
    }
    const password = decodeURIComponent(new URL(a.connectionUrl).password);
    const logged = await admin(async (c) => (await c.query<RowDataPacket[]>("SELECT CONVERT(argument USING utf8mb4) AS a FROM mysql.general_log WHERE event_time >= ?", [before.now]))[0].map((r) => String(r.a)));
    expect(logged.some((statement) => statement.includes(`CREATE USER IF NOT EXISTS 'berth_dep_sec${run}g'`)), "the general log captured the realize").toBe(true);
    expect(logged.some((statement) => statement.includes(password))).toBe(false);
  });

  it("planted passwords appear in no artifact, error, command line or environment, and the option file is removed", async () => {
    const a = await realize("p");
    const password = decodeURIComponent(new URL(a.connectionUrl).password);
    await withConnection(a.connectionUrl, undefined, (c) => c.query("CREATE TABLE t (id int PRIMARY KEY, note text); INSERT INTO t VALUES (1, 'hello')"));
    const artifact = await backupOf(a.connectionUrl, a.metadata);
    expect(artifact.toString("utf8")).toContain("hello");
    expect(artifact.includes(password)).toBe(false);

    // A password full of characters that need quoting in option files, URLs and SQL.
    const tricky = `q"u\\o't#e;d %@:/ ${randomBytes(6).toString("hex")}`;
    await admin((c) => c.query(`ALTER USER ?@'%' IDENTIFIED BY ?`, [a.metadata.user, tricky]));
    const trickyUrl = withPassword(a.connectionUrl, tricky);
    await mysqlProvider.probe!({ kind: "mysql", connectionUrl: trickyUrl, signal });
    const trickyArtifact = await backupOf(trickyUrl, a.metadata);
    expect(trickyArtifact.includes(tricky)).toBe(false);
    await mysqlProvider.restore!({ kind: "mysql", connectionUrl: trickyUrl, metadata: a.metadata, source: Readable.from([trickyArtifact]), format: BACKUP_FORMAT, signal });

    // Wrong passwords: every verb fails typed, and the message does not echo the attempt.
    const planted = `planted${randomBytes(8).toString("hex")}`;
    const wrongUrl = withPassword(a.connectionUrl, planted);
    const errors = [
      await providerErrorOf(mysqlProvider.probe!({ kind: "mysql", connectionUrl: wrongUrl, signal })),
      await providerErrorOf(backupOf(wrongUrl, a.metadata)),
      await providerErrorOf(mysqlProvider.restore!({ kind: "mysql", connectionUrl: wrongUrl, metadata: a.metadata, source: Readable.from([artifact]), format: BACKUP_FORMAT, signal })),
      await providerErrorOf(mysqlProvider.realize!({ dependencyId: `dep_sec${run}w`, name: "w", kind: "mysql", target: { ...target, adminUrl: withPassword(`mysql://berth_nobody@${new URL(ADMIN_URL).host}/`, planted) }, signal })),
    ];
    // A probe says which part is wrong; the other verbs report the server as unusable.
    expect(errors.map((e) => e.code)).toEqual(["authentication_failed", "target_unavailable", "target_unavailable", "target_unavailable"]);
    for (const error of errors) expect(error.message).not.toContain(planted);

    const calls = readFileSync(join(spy, "calls.log"), "utf8");
    expect(calls).toMatch(/^ARGV: --defaults-file=/m);
    for (const secret of [password, tricky, planted]) expect(calls.includes(secret), "a password reached a command line or environment").toBe(false);
    const files = [...calls.matchAll(/^FILE: (\S+) (\d+)$/gm)];
    expect(files.length).toBeGreaterThan(0);
    for (const [, path, mode] of files) {
      expect(mode).toBe("600");
      expect(existsSync(path), `option file ${path} left behind`).toBe(false);
    }
  });
});
