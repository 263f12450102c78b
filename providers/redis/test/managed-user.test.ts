import { randomBytes } from "node:crypto";
import { createServer, connect as connectTcp, type AddressInfo, type Server } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { isProviderError, type RealizeResult } from "@berth/provider-sdk";
import { redisProvider, REDIS_FORMAT } from "../src/index.js";
import { passwordHash } from "../src/acl.js";
import { REDIS_ADMIN_URL, requireRedis, scanAll, withRedis } from "./support.js";

await requireRedis();

const run = randomBytes(4).toString("hex");
const signal = new AbortController().signal;
const target = { name: "test", kind: "redis", adminUrl: REDIS_ADMIN_URL };
const idA = `dep_acl${run}a`;
const idB = `dep_acl${run}b`;
const admin = new Redis(REDIS_ADMIN_URL, { lazyConnect: true, db: 0 });
let a: RealizeResult;
let b: RealizeResult;

const realize = (dependencyId: string, adminUrl = REDIS_ADMIN_URL) => redisProvider.realize!({ dependencyId, name: dependencyId, kind: "redis", target: { ...target, adminUrl }, signal });
const release = (dependencyId: string) => redisProvider.release!({ dependencyId, kind: "redis", target, metadata: {}, signal });
const passwordOf = (result: RealizeResult) => decodeURIComponent(new URL(result.connectionUrl).password);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => "allowed",
    (error: Error) => error.message,
  );

async function backupOf(result: RealizeResult): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await redisProvider.backup!({ kind: "redis", connectionUrl: result.connectionUrl, metadata: result.metadata, sink, signal });
  return Buffer.concat(chunks);
}

/** A TCP relay in front of Redis that records every byte clients send to it. */
async function recordingRelay(): Promise<{ url: string; sent: () => Buffer; close: () => Promise<void> }> {
  const upstream = new URL(REDIS_ADMIN_URL);
  const chunks: Buffer[] = [];
  const server: Server = createServer((client) => {
    const redis = connectTcp(Number(upstream.port || 6379), upstream.hostname);
    client.on("data", (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
    client.pipe(redis).pipe(client);
    client.on("error", () => redis.destroy());
    redis.on("error", () => client.destroy());
    client.on("close", () => redis.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(REDIS_ADMIN_URL);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return { url: url.toString(), sent: () => Buffer.concat(chunks), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  await admin.connect();
  a = await realize(idA);
  b = await realize(idB);
});

afterAll(async () => {
  await release(idA).catch(() => undefined);
  await release(idB).catch(() => undefined);
  await admin.del(`acl${run}:outside`);
  admin.disconnect();
});

describe("a managed Redis dependency's user", () => {
  it("gets a URL for its own ACL user in database 0, and metadata without the password", () => {
    const url = new URL(a.connectionUrl);
    expect(url.username).toBe(`berth_dep_acl${run}a`);
    expect(url.pathname).toBe("/0");
    expect(a.metadata).toEqual({ host: url.hostname, port: url.port || "6379", user: `berth_dep_acl${run}a`, keyPrefix: `berth_dep_acl${run}a:`, database: "0" });
    expect(JSON.stringify(a.metadata)).not.toContain(passwordOf(a));
  });

  it("works inside its prefix: strings, hashes, TTLs, scripts on its keys, its own channels", async () => {
    const p = a.metadata.keyPrefix;
    await withRedis(a.connectionUrl, async (client) => {
      await client.set(`${p}s`, "v", "PX", 600_000);
      await client.hset(`${p}h`, { f: "1" });
      expect(await client.get(`${p}s`)).toBe("v");
      expect(await client.pttl(`${p}s`)).toBeGreaterThan(0);
      expect(await client.eval("return redis.call('HGET', KEYS[1], 'f')", 1, `${p}h`)).toBe("1");
      expect(await client.publish(`${p}events`, "hello")).toBe(0);
      expect(await client.unlink(`${p}s`, `${p}h`)).toBe(2);
    });
  });

  it("cannot touch other keys, other databases or the server", async () => {
    await admin.set(`acl${run}:outside`, "secret");
    await withRedis(b.connectionUrl, (client) => client.set(`${b.metadata.keyPrefix}mine`, "b"));
    await withRedis(a.connectionUrl, async (client) => {
      const refused = {
        "GET other prefix": await failure(client.get(`${b.metadata.keyPrefix}mine`)),
        "GET unprefixed": await failure(client.get(`acl${run}:outside`)),
        "SET other prefix": await failure(client.set(`${b.metadata.keyPrefix}mine`, "x")),
        "EVAL on other key": await failure(client.eval("return redis.call('GET', KEYS[1])", 1, `acl${run}:outside`)),
        "EVAL reaching past KEYS": await failure(client.eval(`return redis.call('GET', 'acl${run}:outside')`, 0)),
        FLUSHALL: await failure(client.flushall()),
        FLUSHDB: await failure(client.flushdb()),
        "CONFIG GET": await failure(client.config("GET", "maxmemory")),
        "KEYS *": await failure(client.keys("*")),
        "SELECT 1": await failure(client.select(1)),
        "SWAPDB 0 1": await failure(client.swapdb(0, 1)),
        "MOVE to db 1": await failure(client.move(`${a.metadata.keyPrefix}k`, 1)),
        "COPY … DB 1": await failure(client.call("COPY", `${a.metadata.keyPrefix}k`, `${a.metadata.keyPrefix}k2`, "DB", "1")),
        RANDOMKEY: await failure(client.randomkey()),
        DBSIZE: await failure(client.dbsize()),
        INFO: await failure(client.info()),
        "CLIENT LIST": await failure(client.client("LIST")),
        "CLIENT KILL": await failure(client.call("CLIENT", "KILL", "USER", "default")),
        "CLIENT TRACKING": await failure(client.call("CLIENT", "TRACKING", "ON", "BCAST")),
        "ACL LIST": await failure(client.call("ACL", "LIST")),
        "FUNCTION FLUSH": await failure(client.call("FUNCTION", "FLUSH")),
        "SCRIPT FLUSH": await failure(client.call("SCRIPT", "FLUSH")),
        "PUBSUB CHANNELS": await failure(client.call("PUBSUB", "CHANNELS")),
        "PUBLISH other channel": await failure(client.publish(`${b.metadata.keyPrefix}events`, "x")),
        MONITOR: await failure(client.call("MONITOR")),
        SHUTDOWN: await failure(client.call("SHUTDOWN", "NOSAVE")),
        "SORT … BY": await failure(client.call("SORT", `${a.metadata.keyPrefix}list`, "BY", "nosort")),
        "MIGRATE": await failure(client.call("MIGRATE", "127.0.0.1", "1", `${a.metadata.keyPrefix}k`, "0", "10")),
      };
      // Inside scripts Redis words it "ERR The user executing the script can't …".
      for (const [command, outcome] of Object.entries(refused)) expect(`${command}: ${outcome}`).toMatch(/NOPERM|user executing the script can't/);
    });
    expect(await admin.get(`acl${run}:outside`)).toBe("secret");
    expect(await admin.get(`${b.metadata.keyPrefix}mine`)).toBe("b");
  });

  it("may SCAN (backups need it), which shows other key names but never their values", async () => {
    // The trade-off the README states: Redis ACLs do not filter SCAN replies.
    const names = await withRedis(a.connectionUrl, (client) => scanAll(client, `acl${run}:*`));
    expect(names).toContain(`acl${run}:outside`);
  });

  it("has only the password's SHA-256 on the server, and the plaintext never crosses the admin connection", async () => {
    const relay = await recordingRelay();
    const monitor = new Redis(REDIS_ADMIN_URL, { lazyConnect: true });
    await monitor.connect();
    const monitored: string[] = [];
    const feed = await monitor.monitor();
    feed.on("monitor", (_time: string, args: string[]) => monitored.push(args.join(" ")));
    try {
      const viaRelay = await realize(idA, relay.url);
      const password = passwordOf(viaRelay);
      const adminBytes = relay.sent();
      expect(adminBytes.includes(password), "the admin connection carried the plaintext").toBe(false);
      expect(adminBytes.includes(passwordHash(password)), "the admin connection set the hash").toBe(true);
      // The delivered password logs in (straight to Redis); MONITOR shows that AUTH redacted.
      const direct = new URL(viaRelay.connectionUrl);
      direct.hostname = new URL(REDIS_ADMIN_URL).hostname;
      direct.port = new URL(REDIS_ADMIN_URL).port || "6379";
      a = { ...viaRelay, connectionUrl: direct.toString() };
      await withRedis(a.connectionUrl, (client) => client.ping());
      await new Promise((resolve) => setTimeout(resolve, 200));
      const acl = (await admin.call("ACL", "LIST")) as string[];
      const line = acl.find((entry) => entry.startsWith(`user berth_dep_acl${run}a `)) ?? "";
      expect(line).toContain(`#${passwordHash(password)}`);
      expect(acl.join("\n")).not.toContain(password);
      expect(JSON.stringify(await admin.call("SLOWLOG", "GET", "128"))).not.toContain(password);
      expect(monitored.join("\n")).not.toContain(password);
    } finally {
      feed.disconnect();
      monitor.disconnect();
      await relay.close();
    }
  });

  it("realizing again issues a fresh password, refuses the old one and keeps the keys", async () => {
    const old = a;
    await withRedis(old.connectionUrl, (client) => client.set(`${old.metadata.keyPrefix}kept`, "yes"));
    a = await realize(idA);
    expect(passwordOf(a)).not.toBe(passwordOf(old));
    expect(await failure(redisProvider.probe!({ kind: "redis", connectionUrl: old.connectionUrl, signal }))).toMatch(/redis rejected the user or password/);
    expect(await withRedis(a.connectionUrl, (client) => client.get(`${a.metadata.keyPrefix}kept`))).toBe("yes");
  });

  it("backs up and restores only its prefix: restore deletes extra keys inside it, nothing outside", async () => {
    const p = a.metadata.keyPrefix;
    await withRedis(a.connectionUrl, async (client) => {
      await client.set(`${p}str`, "one", "PX", 900_000);
      await client.rpush(`${p}list`, "x", "y");
    });
    const artifact = await backupOf(a);
    expect(artifact.includes(`acl${run}:outside`)).toBe(false);
    expect(artifact.includes(b.metadata.keyPrefix)).toBe(false);
    await withRedis(a.connectionUrl, async (client) => {
      await client.set(`${p}str`, "changed");
      await client.set(`${p}extra`, "new since the backup");
    });
    await redisProvider.restore!({ kind: "redis", connectionUrl: a.connectionUrl, metadata: a.metadata, source: Readable.from([artifact]), format: REDIS_FORMAT, signal });
    await withRedis(a.connectionUrl, async (client) => {
      expect(await client.get(`${p}str`)).toBe("one");
      expect(await client.pttl(`${p}str`)).toBeGreaterThan(800_000);
      expect(await client.lrange(`${p}list`, 0, -1)).toEqual(["x", "y"]);
      expect(await client.exists(`${p}extra`)).toBe(0);
    });
    expect(await admin.get(`acl${run}:outside`)).toBe("secret");
    expect(await admin.get(`${b.metadata.keyPrefix}mine`)).toBe("b");
  });

  it("refuses an artifact holding keys outside the prefix, and garbage, as corrupt", async () => {
    const foreign = await backupOf(b);
    for (const source of [foreign, Buffer.from("not a dump at all"), foreign.subarray(0, foreign.length - 3)]) {
      const error = await redisProvider.restore!({ kind: "redis", connectionUrl: a.connectionUrl, metadata: a.metadata, source: Readable.from([source]), format: REDIS_FORMAT, signal }).catch((e: unknown) => e);
      expect(isProviderError(error) && error.code).toBe("corrupt_artifact");
    }
    expect(await admin.get(`${b.metadata.keyPrefix}mine`)).toBe("b");
  });

  it("a backup that meets a key it may not read fails instead of skipping it, and a cancelled one stops", async () => {
    // Without keyPrefix the backup covers the whole database, where other keys are refused.
    const sink = new PassThrough();
    sink.resume();
    const refused = await redisProvider.backup!({ kind: "redis", connectionUrl: a.connectionUrl, metadata: {}, sink, signal }).catch((e: unknown) => e);
    expect(isProviderError(refused) && refused.code).toBe("internal");
    expect((refused as Error).message).toMatch(/NOPERM/);
    expect((refused as Error).message).not.toContain(passwordOf(a));
    expect(sink.destroyed, "a failed backup must not look like a complete artifact").toBe(true);
    const cancelled = new AbortController();
    cancelled.abort();
    const stopped = await redisProvider.backup!({ kind: "redis", connectionUrl: a.connectionUrl, metadata: a.metadata, sink: new PassThrough(), signal: cancelled.signal }).catch((e: unknown) => e);
    expect(isProviderError(stopped)).toBe(true);
  });

  it("release disconnects the user, deletes it and its keys, and leaves everything else", async () => {
    const p = a.metadata.keyPrefix;
    const connected = new Redis(a.connectionUrl, { lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    connected.on("error", () => undefined);
    await connected.connect();
    await connected.mset(Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`${p}bulk:${i}`, String(i)])));
    const closed = new Promise((resolve) => connected.once("end", resolve));
    await release(idA);
    await closed;
    expect(await scanAll(admin, `${p}*`)).toEqual([]);
    expect(await admin.call("ACL", "GETUSER", `berth_dep_acl${run}a`)).toBeNull();
    expect(await admin.get(`acl${run}:outside`)).toBe("secret");
    expect(await admin.get(`${b.metadata.keyPrefix}mine`)).toBe("b");
    await release(idA);
  });
});
