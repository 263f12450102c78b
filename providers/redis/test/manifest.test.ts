import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { compareContent, isProviderError } from "@berth/provider-sdk";
import { redisProvider } from "../src/index.js";
import { REDIS_ADMIN_URL, requireRedis, withRedis } from "./support.js";

await requireRedis();

const target = { name: "manifest-test", kind: "redis", adminUrl: REDIS_ADMIN_URL };
const signal = new AbortController().signal;
const id = `dep_mf${randomBytes(3).toString("hex")}`;
const dependency = await redisProvider.realize!({ dependencyId: id, name: "manifest", kind: "redis", target, signal });
afterAll(() => redisProvider.release!({ dependencyId: id, kind: "redis", target, metadata: dependency.metadata, signal }));
const { connectionUrl, metadata } = dependency;
const p = metadata.keyPrefix;

describe("redis backup manifest", { timeout: 60_000 }, () => {
  it("counts keys per type from the payloads it dumps, equal to what TYPE reports, for small and large encodings", async () => {
    await withRedis(connectionUrl, async (client) => {
      const big = Array.from({ length: 600 }, (_, i) => `m${i}`);
      await client.set(`${p}s1`, "v");
      await client.set(`${p}s2`, "12345");
      await client.rpush(`${p}l1`, "a", "b");
      await client.rpush(`${p}l2`, ...big);
      await client.sadd(`${p}set1`, "1", "2");
      await client.sadd(`${p}set2`, "a", "b");
      await client.sadd(`${p}set3`, ...big);
      await client.zadd(`${p}z1`, 1, "a");
      await client.zadd(`${p}z2`, ...big.flatMap((m, i) => [i, m]));
      await client.hset(`${p}h1`, "f", "v");
      await client.hset(`${p}h2`, Object.fromEntries(big.map((m) => [m, m])));
      await client.xadd(`${p}x1`, "*", "f", "v");
    });
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { manifest } = await redisProvider.backup!({ kind: "redis", connectionUrl, metadata, sink, signal });
    expect(manifest!.engine.name).toBe("redis");
    expect(manifest!.engine.version).toMatch(/^\d+\.\d+/);
    expect(manifest!.formatVersion).toMatch(/^1 \(RDB \d+\)$/);
    expect(Object.fromEntries(manifest!.content.entries.map((e) => [e.name, e.count]))).toEqual({ string: 2, list: 2, set: 3, zset: 2, hash: 2, stream: 1 });
    expect(manifest!.content.totals.count).toBe(12);
    const live = await redisProvider.describeContent!({ kind: "redis", connectionUrl, metadata, signal });
    expect(compareContent(manifest!.content, live).filter((c) => !c.ok)).toEqual([]);

    // A newer Redis minor than the target cannot be restored (RESTORE refuses a newer RDB version).
    const [major, minor] = manifest!.engine.version.split(".").map(Number);
    const newer = { ...manifest!, engine: { ...manifest!.engine, version: `${major}.${minor + 2}.0` } };
    await withRedis(connectionUrl, (client) => client.set(`${p}after`, "x"));
    const error = await redisProvider.restore!({ kind: "redis", connectionUrl, metadata, source: Readable.from([Buffer.concat(chunks)]), format: "redis-dump-v1", manifest: newer, signal }).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("incompatible_version");
    expect((error as Error).message).toContain(newer.engine.version);
    expect((error as Error).message).toContain(manifest!.engine.version);
    expect(await withRedis(connectionUrl, (client) => client.get(`${p}after`))).toBe("x");
  });
});
