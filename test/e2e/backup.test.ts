import { execFileSync } from "node:child_process";
import { createWriteStream, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Redis } from "ioredis";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { BackupKind, BackupStatus, BackupTrigger, RestoreStatus, isBerthApiError, type BerthApiError } from "@berth/client";
import { Keyring, parseMasterKey } from "@berth/runtime";
import { createOpenStream } from "@berth/backup-service";
import { adminQuery, databaseUrl, plantedSecret, withPostgres } from "../support/env.js";
import { readEvents } from "../support/nats.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { readyDependency } from "../support/jobs.js";

const MEMO_PLUGIN = fileURLToPath(new URL("../fixtures/memo-provider/index.mjs", import.meta.url));
const deployment = testDeployment();
// Every built-in kind backs up natively now; a plugin kind without backup shows metadata-only restore points.
const served = serveForTests(deployment, () => deployment.start({ providers: [MEMO_PLUGIN] }));
const seen: string[] = [];
let n = 0;
const rid = (label: string) => `${label}-${++n}-${Date.now()}`;

async function apiError(promise: Promise<unknown>): Promise<BerthApiError> {
  try {
    seen.push(JSON.stringify(await promise));
  } catch (error) {
    if (isBerthApiError(error)) {
      seen.push(error.message);
      return error;
    }
    throw error;
  }
  throw new Error("expected the call to fail");
}

function sql(url: string, text: string): Promise<pg.QueryResult> {
  return withPostgres(url, (client) => client.query(text));
}

/** Every table's rows, in a stable order, plus the large object's bytes: what a user compares. */
async function contents(url: string): Promise<string> {
  const tables = ["customers", "orders", "files"];
  const parts: string[] = [];
  for (const table of tables) {
    const exists = (await sql(url, `SELECT to_regclass('public.${table}') AS t`)).rows[0].t;
    parts.push(`${table}:${exists ? JSON.stringify((await sql(url, `SELECT * FROM ${table} ORDER BY 1`)).rows) : "missing"}`);
  }
  parts.push(`seq:${(await sql(url, "SELECT last_value FROM orders_id_seq")).rows[0].last_value}`);
  parts.push(`lo:${(await sql(url, "SELECT md5(lo_get(oid)) AS h FROM pg_largeobject_metadata ORDER BY oid")).rows.map((r) => r.h).join(",")}`);
  parts.push(`idx:${(await sql(url, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.indexname).join(",")}`);
  return parts.join("\n");
}

async function settleBackup(id: string) {
  let last;
  for await (const update of served.api.backup.watchBackup({ id, untilSettled: true }, { timeoutMs: 120_000 })) last = update.backup;
  seen.push(JSON.stringify(last));
  return last!;
}
async function settleRestore(id: string) {
  let last;
  for await (const update of served.api.backup.watchRestore({ id, untilSettled: true }, { timeoutMs: 120_000 })) last = update.restore;
  seen.push(JSON.stringify(last));
  return last!;
}

describe("backup and restore a managed postgres", () => {
  let dependencyId = "";
  let url = "";
  let original = "";
  let backupId = "";

  it("backs up a filled database natively and lists it without any artifact handle", async () => {
    ({ id: dependencyId, url } = await readyDependency(served.api, served.internal, rid("p"), "prj_bk", "db"));
    await sql(
      url,
      `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text);
       CREATE INDEX customers_city ON customers (city);
       CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers(id), total numeric(10,2), note text);
       CREATE INDEX orders_customer ON orders (customer_id);
       CREATE TABLE files (id int PRIMARY KEY, body bytea, blob oid);
       INSERT INTO customers SELECT g, 'customer ' || g, (ARRAY['Zürich','São Paulo','東京','Kraków'])[1 + g % 4] FROM generate_series(1, 2000) g;
       INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 2000, g * 1.25, 'ordre n° ' || g || ' — ünïcödé' FROM generate_series(1, 5000) g;
       INSERT INTO files VALUES (1, decode(repeat('00ff10', 1000), 'hex'), lo_from_bytea(0, decode(repeat('cafe', 5000), 'hex')));`,
    );
    original = await contents(url);

    const { backup } = await served.api.backup.createBackup({ requestId: rid("b"), dependencyId, retentionDays: 7 });
    expect(backup?.kind).toBe(BackupKind.BACKUP_KIND_NATIVE);
    const done = await settleBackup(backup!.id);
    expect(done.status, done.statusReason).toBe(BackupStatus.BACKUP_STATUS_SUCCEEDED);
    expect(Number(done.sizeBytes)).toBeGreaterThan(1000);
    expect(done.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(done.format).toBe("pg_dump-custom");
    expect(done.expireTime).toBeTruthy();
    backupId = done.id;
    const listed = await served.api.backup.listBackups({ dependencyId, status: 0, pageSize: 0, pageToken: "", showDeleted: false });
    expect(listed.backups.map((b) => b.id)).toEqual([backupId]);
    expect(JSON.stringify(listed)).not.toContain(deployment.artifactDir);
  }, 120_000);

  it("writes an encrypted artifact that is a valid pg_restore archive once decrypted", async () => {
    const files = readdirSync(deployment.artifactDir);
    expect(files).toEqual([`${backupId}.artifact`]);
    const raw = readFileSync(join(deployment.artifactDir, files[0]));
    expect(raw.includes(Buffer.from("customer 1"))).toBe(false); // encrypted, not plain
    const [row] = await adminQuery<{ key_id: string; wrapped_key: Buffer; sealed_data_key: Buffer }>(
      "SELECT key_id, wrapped_key, sealed_data_key FROM berth_backup.backups WHERE id = $1",
      [backupId],
      databaseUrl(deployment.databaseName),
    );
    const key = parseMasterKey(deployment.secrets.masterKey);
    const dataKey = Buffer.from(new Keyring([key], key.id).decrypt({ keyId: row.key_id, wrappedKey: row.wrapped_key, ciphertext: row.sealed_data_key }, `artifact:${backupId}`), "base64");
    const dump = join(deployment.artifactDir, "decrypted.dump");
    await pipeline(Readable.from([raw]), createOpenStream(dataKey, `artifact:${backupId}`), createGunzip(), createWriteStream(dump));
    const list = execFileSync("pg_restore", ["--list", dump], { encoding: "utf8" });
    expect(list).toMatch(/TABLE DATA public customers/);
    expect(list).toMatch(/BLOB/);
    execFileSync("rm", [dump]);
  });

  it("refuses a restore without acknowledgement, changing nothing", async () => {
    await sql(url, "DELETE FROM orders WHERE id % 2 = 0; UPDATE customers SET name = 'changed'; DROP TABLE files;");
    const changed = await contents(url);
    expect(changed).not.toBe(original);
    const refused = await apiError(served.api.backup.restoreBackup({ requestId: rid("r"), backupId, acknowledgeDataOverwrite: false }));
    expect(refused.reason).toBe("restore_acknowledgement_required");
    expect(await contents(url)).toBe(changed);
    const { restores } = await served.api.backup.listRestores({ dependencyId, backupId: "", status: 0, pageSize: 0, pageToken: "" });
    expect(restores).toEqual([]);
  });

  it("restores in place with acknowledgement: every table, the sequence, indexes and the large object are back", async () => {
    const { restore } = await served.api.backup.restoreBackup({ requestId: rid("r"), backupId, acknowledgeDataOverwrite: true });
    expect(restore?.notice).toMatch(/does not restart runtimes, change bindings or rewrite deployment snapshots/);
    const done = await settleRestore(restore!.id);
    expect(done.status, done.statusReason).toBe(RestoreStatus.RESTORE_STATUS_SUCCEEDED);
    expect(await contents(url)).toBe(original);
  }, 120_000);

  it("a flipped byte fails the restore before the target changes", async () => {
    await sql(url, "UPDATE customers SET city = 'after-backup' WHERE id < 10");
    const before = await contents(url);
    const file = join(deployment.artifactDir, `${backupId}.artifact`);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(file, bytes);
    const { restore } = await served.api.backup.restoreBackup({ requestId: rid("r"), backupId, acknowledgeDataOverwrite: true });
    const done = await settleRestore(restore!.id);
    expect(done.status).toBe(RestoreStatus.RESTORE_STATUS_FAILED);
    expect(done.statusReason).toMatch(/checksum.*the target was not touched/);
    expect(await contents(url)).toBe(before);
  }, 60_000);

  it("blocks deleting the dependency while a backup is retained", async () => {
    const blocked = await apiError(served.api.dependency.deleteDependency({ id: dependencyId, requestId: rid("d") }));
    expect(blocked.reason).toBe("dependency_delete_blocked");
    expect(Object.values(blocked.metadata)).toContain(`backup:${backupId}`);
    const { backup } = await served.api.backup.deleteBackup({ id: backupId, requestId: rid("del") });
    expect(backup?.deleteTime).toBeTruthy();
    // The in-place restores above each took a safety backup of the target first: those hold it back too.
    const { backups: safety } = await served.api.backup.listBackups({ dependencyId, status: 0, pageSize: 50, pageToken: "", showDeleted: false });
    expect(safety.length).toBeGreaterThan(0);
    for (const s of safety) {
      expect(s.trigger).toBe(BackupTrigger.BACKUP_TRIGGER_PRE_RESTORE);
      await served.api.backup.deleteBackup({ id: s.id, requestId: rid("del") });
    }
    expect(readdirSync(deployment.artifactDir)).toEqual([]);
    const { dependency } = await served.api.dependency.deleteDependency({ id: dependencyId, requestId: rid("d") });
    expect(dependency?.deleteTime).toBeTruthy();
  });
});

describe("backup and restore an imported redis", () => {
  it("brings back every type of key with its value and TTL, and removes keys added since", async () => {
    const db = 11;
    const redis = new Redis(`redis://127.0.0.1:6379/${db}`);
    try {
      await redis.flushdb();
      await redis.set("str", "välue");
      await redis.set("str:ttl", "expiring", "PX", 600_000);
      await redis.rpush("list", "a", "b", "c");
      await redis.sadd("set", "x", "y");
      await redis.zadd("zset", 1, "one", 2, "two");
      await redis.hset("hash", { field: "value", n: "1" });
      await redis.hset("hash:ttl", { f: "v" });
      await redis.pexpire("hash:ttl", 900_000);
      await redis.xadd("stream", "*", "event", "created");
      await redis.set("bin", Buffer.from([0, 1, 2, 255]));
      const snapshot = async () =>
        JSON.stringify({
          str: await redis.get("str"),
          strTtl: await redis.get("str:ttl"),
          list: await redis.lrange("list", 0, -1),
          set: (await redis.smembers("set")).sort(),
          zset: await redis.zrange("zset", 0, -1, "WITHSCORES"),
          hash: await redis.hgetall("hash"),
          hashTtl: await redis.hgetall("hash:ttl"),
          stream: (await redis.xrange("stream", "-", "+")).map(([, fields]) => fields),
          bin: (await redis.getBuffer("bin"))?.toString("hex"),
          keys: (await redis.keys("*")).sort(),
        });
      const original = await snapshot();

      const { dependency } = await served.api.dependency.importDependency({ requestId: rid("i"), projectId: "prj_bk", environmentId: "env_r", name: "cache", kind: "redis", connectionUrl: `redis://127.0.0.1:6379/${db}`, probe: true, deletionProtection: false });
      const { backup } = await served.api.backup.createBackup({ requestId: rid("b"), dependencyId: dependency!.id, retentionDays: 0 });
      expect(backup?.kind).toBe(BackupKind.BACKUP_KIND_NATIVE);
      const done = await settleBackup(backup!.id);
      expect(done.status, done.statusReason).toBe(BackupStatus.BACKUP_STATUS_SUCCEEDED);
      expect(done.format).toBe("redis-dump-v1");

      await redis.set("str", "changed");
      await redis.del("list", "hash:ttl");
      await redis.persist("str:ttl");
      await redis.set("added-later", "x");
      expect(await snapshot()).not.toBe(original);

      const { restore } = await served.api.backup.restoreBackup({ requestId: rid("r"), backupId: done.id, acknowledgeDataOverwrite: true });
      const restored = await settleRestore(restore!.id);
      expect(restored.status, restored.statusReason).toBe(RestoreStatus.RESTORE_STATUS_SUCCEEDED);
      expect(await snapshot()).toBe(original);
      const strTtl = await redis.pttl("str:ttl");
      expect(strTtl).toBeGreaterThan(500_000);
      expect(strTtl).toBeLessThanOrEqual(600_000);
      expect(await redis.pttl("hash:ttl")).toBeGreaterThan(800_000);
      expect(await redis.pttl("str")).toBe(-1);
    } finally {
      await redis.flushdb();
      redis.disconnect();
    }
  }, 60_000);
});

describe("restore points Berth cannot back up natively", () => {
  it("are metadata-only, say so, and refuse restore", async () => {
    const planted = plantedSecret("bk");
    const { dependency } = await served.api.dependency.importDependency({ requestId: rid("i"), projectId: "prj_bk", environmentId: "env_a", name: "notes", kind: "memo", connectionUrl: `memo://admin:${planted}@memo.internal/notes`, probe: false, deletionProtection: false });
    const { backup } = await served.api.backup.createBackup({ requestId: rid("b"), dependencyId: dependency!.id, retentionDays: 0 });
    expect(backup?.kind).toBe(BackupKind.BACKUP_KIND_METADATA_ONLY);
    expect(backup?.status).toBe(BackupStatus.BACKUP_STATUS_SUCCEEDED);
    expect(backup?.metadataOnlyReason).toBe("the memo provider has no native backup");
    const refused = await apiError(served.api.backup.restoreBackup({ requestId: rid("r"), backupId: backup!.id, acknowledgeDataOverwrite: true }));
    expect(refused.reason).toBe("restore_point_metadata_only");

    const events = (await readEvents(deployment.prefix)).map((e) => e.raw).join("\n");
    expect(events).toContain("backup.backup.created");
    const artifacts = readdirSync(deployment.artifactDir).map((f) => readFileSync(join(deployment.artifactDir, f)).toString("latin1")).join("");
    for (const text of [seen.join("\n"), served.server.output(), events, artifacts]) expect(text.includes(planted)).toBe(false);
  });
});

