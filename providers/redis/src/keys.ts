import { RedisReplyError, type CommandArg, type RespConnection, type RespReply } from "./resp.js";

/** Keys per SCAN call (the COUNT hint), and so per pipelined batch, unless a caller adapts it. */
export const SCAN_COUNT = 1000;

/** A SCAN MATCH pattern for every key that starts with `prefix` (glob characters escaped). */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
}

/** The SCAN command for `cursor`, limited to `pattern` when given. */
export function scanCommand(cursor: string, pattern?: string, count = SCAN_COUNT): CommandArg[] {
  return pattern === undefined ? ["SCAN", cursor, "COUNT", count] : ["SCAN", cursor, "MATCH", pattern, "COUNT", count];
}

/** Cursor and keys of a SCAN reply; throws the error reply. */
export function scanReply(reply: RespReply): { cursor: string; keys: Buffer[] } {
  if (reply instanceof RedisReplyError) throw reply;
  if (!Array.isArray(reply) || !Buffer.isBuffer(reply[0]) || !Array.isArray(reply[1])) throw new Error("redis sent an unexpected SCAN reply");
  return { cursor: reply[0].toString("latin1"), keys: reply[1] as Buffer[] };
}

/** Calls `onBatch` with each SCAN batch of keys matching `pattern` (every key when undefined). */
export async function forEachKeyBatch(connection: RespConnection, pattern: string | undefined, onBatch: (keys: Buffer[]) => void, signal?: AbortSignal): Promise<void> {
  let cursor = "0";
  do {
    signal?.throwIfAborted();
    const scanned = scanReply(await connection.call(scanCommand(cursor, pattern)));
    cursor = scanned.cursor;
    if (scanned.keys.length > 0) onBatch(scanned.keys);
  } while (cursor !== "0");
}

/** UNLINKs `keys` in batches of SCAN_COUNT, one batch in flight while the next is built. */
export async function unlinkAll(connection: RespConnection, keys: Iterable<Buffer>, signal?: AbortSignal): Promise<number> {
  let deleted = 0;
  let inFlight = false;
  const settle = async () => {
    if (!inFlight) return;
    const [reply] = await connection.take(1);
    if (reply instanceof RedisReplyError) throw reply;
    deleted += Number(reply);
    inFlight = false;
  };
  let batch: Buffer[] = [];
  const sendBatch = async () => {
    connection.send(["UNLINK", ...batch]);
    connection.flush();
    batch = [];
    await settle();
    inFlight = true;
  };
  for (const key of keys) {
    batch.push(key);
    if (batch.length >= SCAN_COUNT) {
      signal?.throwIfAborted();
      await sendBatch();
    }
  }
  if (batch.length > 0) await sendBatch();
  await settle();
  return deleted;
}
