import { isProviderError, ProviderError, redactSecrets, secretPartsOfUrl, type BackupRequest, type BackupResult, type SafeMetadata } from "@berth/provider-sdk";
import { serverIdentity, TypeCounter } from "./content.js";
import { RecordWriter, REDIS_FORMAT } from "./dump-format.js";
import { prefixPattern, scanCommand, scanReply, SCAN_COUNT } from "./keys.js";
import { endpointOf, messageOf, RedisReplyError, RespConnection, type RespReply } from "./resp.js";

/** The key prefix a dependency owns (managed dependencies), or undefined for a whole database (imported). */
export function ownedPrefix(metadata: SafeMetadata | undefined): string | undefined {
  const prefix = metadata?.keyPrefix;
  return prefix === undefined || prefix === "" ? undefined : prefix;
}

/** DUMP payload bytes to aim for per batch. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Batches sent and not yet written: enough that Redis always has the next one queued. */
const DEPTH = 3;
/** COUNT range: large batches cost Redis and this process less per key (fewer SCAN calls, bigger writes); big values need small ones. */
const MIN_COUNT = 10;
const MAX_COUNT = 5000;

/**
 * Native backup with TTLs, streamed as redis-dump-v1: one connection SCANs
 * (MATCH the dependency's prefix when it has one) and queues DUMP and PTTL for
 * each batch of keys on a second connection, up to DEPTH batches ahead, while
 * this side takes the replies in order and encodes them. Redis, whose single
 * thread is the bottleneck, so never waits for this process. SCAN COUNT
 * follows the payload size of the last batch, so about BATCH_BYTES per batch
 * are in flight whether values are tiny or large.
 *
 * The manifest counts the keys per type from the DUMP payloads as they are
 * written (their first byte is the RDB type), so it counts exactly the keys in
 * the artifact. Redis has no snapshot: a key changed during the pass is in the
 * artifact, and in the counts, as DUMP saw it.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const secrets = secretPartsOfUrl(request.connectionUrl);
  const prefix = ownedPrefix(request.metadata);
  const pattern = prefix === undefined ? undefined : prefixPattern(prefix);
  const connections: RespConnection[] = [];
  try {
    const endpoint = endpointOf(request.connectionUrl);
    const scanner = await RespConnection.open(endpoint, { signal: request.signal, secrets });
    connections.push(scanner);
    const dumper = await RespConnection.open(endpoint, { signal: request.signal, secrets });
    connections.push(dumper);
    const engine = await serverIdentity(scanner);
    const types = new TypeCounter();
    const writer = new RecordWriter(request.sink);
    const sent: Buffer[][] = [];
    let count = SCAN_COUNT;
    let scanned = false;
    let stopped = false;
    const bell = new Bell();

    const scan = async () => {
      let cursor = "0";
      do {
        while (sent.length >= DEPTH && !stopped) await bell.wait();
        if (stopped) return;
        const reply = scanReply(await scanner.call(scanCommand(cursor, pattern, count)));
        cursor = reply.cursor;
        if (reply.keys.length === 0) continue;
        for (const key of reply.keys) {
          dumper.send(["DUMP", key]);
          dumper.send(["PTTL", key]);
        }
        dumper.flush();
        sent.push(reply.keys);
        bell.ring();
      } while (cursor !== "0");
      scanned = true;
      bell.ring();
    };

    const write = async () => {
      for (;;) {
        if (request.signal.aborted) throw new ProviderError("internal", "backup aborted");
        if (sent.length === 0) {
          if (scanned || stopped) return;
          await bell.wait();
          continue;
        }
        const keys = sent[0];
        const replies = await dumper.take(keys.length * 2);
        sent.shift();
        bell.ring();
        const bytes = writeBatch(writer, keys, replies, types);
        count = Math.max(MIN_COUNT, Math.min(MAX_COUNT, Math.floor(BATCH_BYTES / Math.max(1, bytes / keys.length))));
        await writer.drained();
      }
    };

    // If either side fails, closing the connections makes the other one's wait fail too.
    const sides = [scan(), write()].map((side) =>
      side.catch((error: unknown) => {
        stopped = true;
        for (const connection of connections) connection.close();
        bell.ring();
        throw error;
      }),
    );
    await Promise.all(sides);
    await writer.finish();
    return {
      format: REDIS_FORMAT,
      manifest: { engine, tool: { name: `${engine.name} DUMP`, version: engine.version }, formatVersion: types.formatVersion(), content: types.stats() },
    };
  } catch (error) {
    const failure = wrapError("backup", error, secrets);
    // The artifact is incomplete: end the sink without 'end', so a pipeline reading it
    // fails (premature close), without emitting 'error' on a sink nobody listens to.
    request.sink.destroy();
    throw failure;
  } finally {
    for (const connection of connections) connection.close();
  }
}

/** Wakes whoever waits whenever the other side made progress. */
class Bell {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  ring(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Adds the batch's records to the artifact; returns their payload bytes. */
function writeBatch(writer: RecordWriter, keys: Buffer[], replies: RespReply[], types: TypeCounter): number {
  let bytes = 0;
  for (let i = 0; i < keys.length; i++) {
    const dump = replies[2 * i];
    const pttl = replies[2 * i + 1];
    if (dump instanceof RedisReplyError) throw dump;
    if (pttl instanceof RedisReplyError) throw pttl;
    // Nil DUMP or PTTL -2: the key expired or was deleted since SCAN saw it.
    if (dump === null || pttl === -2) continue;
    if (!Buffer.isBuffer(dump) || typeof pttl !== "number") throw new Error("redis sent an unexpected DUMP or PTTL reply");
    writer.add(keys[i], pttl, dump);
    types.add(dump);
    bytes += keys[i].length + dump.length;
  }
  return bytes;
}

/** A ProviderError for a failed backup or restore, with secrets redacted. */
export function wrapError(what: string, error: unknown, secrets: string[]): ProviderError {
  if (isProviderError(error)) return error;
  const message = redactSecrets(messageOf(error), secrets);
  if (error instanceof RedisReplyError) return new ProviderError("internal", `redis refused the ${what}: ${message}`, { cause: error });
  return new ProviderError("internal", `the ${what} failed: ${message}`, { cause: error });
}
