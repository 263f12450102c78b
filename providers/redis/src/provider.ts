import { once } from "node:events";
import { pipeline } from "node:stream/promises";
import { Redis } from "ioredis";
import { importedProvider } from "@berth/provider-imported";
import {
  PROVIDER_SDK_VERSION,
  ProviderError,
  redactSecrets,
  secretPartsOfUrl,
  type BackupRequest,
  type BackupResult,
  type ProbeRequest,
  type Provider,
  type RestoreRequest,
} from "@berth/provider-sdk";
import { createRecordParser, encodeRecord, endMarker, HEADER, REDIS_FORMAT, type KeyRecord } from "./dump-format.js";

const BATCH = 500;

async function connect(connectionUrl: string): Promise<Redis> {
  const client = new Redis(connectionUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000, enableOfflineQueue: false });
  client.on("error", () => undefined); // reported through the failing command instead
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw new ProviderError("target_unavailable", `cannot connect to redis: ${redactSecrets((error as Error).message, secretPartsOfUrl(connectionUrl))}`);
  }
}

async function write(sink: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
  if (!sink.write(chunk)) await once(sink, "drain");
}

/**
 * Native backup of every key of the connection's database with its TTL:
 * SCAN, then DUMP and PTTL pipelined per batch, streamed to the sink.
 */
async function backup(request: BackupRequest): Promise<BackupResult> {
  const client = await connect(request.connectionUrl);
  try {
    await write(request.sink, HEADER);
    let cursor = "0";
    do {
      if (request.signal.aborted) throw new ProviderError("internal", "backup aborted");
      const [next, keys] = await client.scanBuffer(cursor, "COUNT", BATCH);
      cursor = String(next);
      if (keys.length === 0) continue;
      const pipeline = client.pipeline();
      for (const key of keys) {
        pipeline.dumpBuffer(key);
        pipeline.pttl(key);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < keys.length; i++) {
        const [dumpError, dump] = replies[2 * i] ?? [];
        const [, pttl] = replies[2 * i + 1] ?? [];
        if (dumpError || !dump) continue; // expired or deleted since SCAN saw it
        await write(request.sink, encodeRecord({ key: keys[i], pttl: Number(pttl), dump: dump as Buffer }));
      }
    } while (cursor !== "0");
    await write(request.sink, endMarker());
    request.sink.end();
    return { format: REDIS_FORMAT };
  } finally {
    client.disconnect();
  }
}

/**
 * In-place restore: every key comes back with its value and remaining TTL
 * (RESTORE … REPLACE, pipelined), then keys that were not in the backup are
 * deleted, so the database ends equal to the restore point.
 */
async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== REDIS_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${REDIS_FORMAT}`);
  const client = await connect(request.connectionUrl);
  const restored = new Set<string>();
  try {
    let batch: KeyRecord[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const pipeline = client.pipeline();
      for (const record of batch) pipeline.restore(record.key, record.pttl > 0 ? record.pttl : 0, record.dump, "REPLACE");
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw new ProviderError("internal", `redis refused a restore: ${(failed[0] as Error).message}`);
      batch = [];
    };
    const parser = createRecordParser();
    const parsing = pipeline(request.source, parser);
    parsing.catch(() => undefined); // surfaced by the iteration below
    for await (const record of parser as AsyncIterable<KeyRecord>) {
      restored.add(record.key.toString("latin1"));
      batch.push(record);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    await parsing;
    let cursor = "0";
    do {
      const [next, keys] = await client.scanBuffer(cursor, "COUNT", BATCH);
      cursor = String(next);
      const extra = keys.filter((key) => !restored.has(key.toString("latin1")));
      if (extra.length > 0) await client.del(...extra);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

async function probe(request: ProbeRequest): Promise<void> {
  const client = await connect(request.connectionUrl);
  try {
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Redis: native backup and in-place restore of a database's keys with their TTLs (realization comes with the providers issue). */
export const redisProvider: Provider = {
  manifest: {
    name: "@berth/provider-redis",
    version: "0.1.0",
    sdkVersion: `^${PROVIDER_SDK_VERSION}`,
    kinds: ["redis"],
    capabilities: { realize: false, release: false, probe: true, backup: true, restore: true, rotate: false, backupFormat: REDIS_FORMAT },
  },
  describeConnection: (kind, url) => importedProvider.describeConnection(kind, url),
  backup,
  restore,
  probe,
};
