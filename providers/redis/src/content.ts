import { contentStats, secretPartsOfUrl, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { ownedPrefix, wrapError } from "./backup.js";
import { prefixPattern, scanCommand, scanReply } from "./keys.js";
import { endpointOf, RedisReplyError, RespConnection, type RespReply } from "./resp.js";

/** The types TYPE reports for core Redis; anything else is a module's type, counted as "module". */
const CORE_TYPES = new Set(["string", "list", "set", "zset", "hash", "stream"]);

/**
 * The value type of a DUMP payload, from its first byte (the RDB object type),
 * named as TYPE names it: the backup counts types for free from the payloads it
 * writes, without a TYPE call per key. RDB 7.0–7.4 type numbers.
 */
const RDB_TYPES: Record<number, string> = {
  0: "string",
  1: "list", 10: "list", 14: "list", 18: "list",
  2: "set", 11: "set", 20: "set",
  3: "zset", 5: "zset", 12: "zset", 17: "zset",
  4: "hash", 9: "hash", 13: "hash", 16: "hash", 22: "hash", 23: "hash", 24: "hash", 25: "hash",
  15: "stream", 19: "stream", 21: "stream",
  6: "module", 7: "module",
};

/** Counts keys per type, and the newest RDB version, over the DUMP payloads a backup writes. */
export class TypeCounter {
  private readonly counts = new Map<string, number>();
  private rdb = 0;

  add(dump: Buffer): void {
    const type = RDB_TYPES[dump[0]] ?? `rdb-type-${dump[0]}`;
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    // A payload ends with the 2-byte RDB version (little-endian) and an 8-byte CRC64.
    if (dump.length >= 10) this.rdb = Math.max(this.rdb, dump.readUInt16LE(dump.length - 10));
  }

  /** Berth's framing version, and the RDB version of the newest payload in it. */
  formatVersion(): string {
    return this.rdb > 0 ? `1 (RDB ${this.rdb})` : "1";
  }

  stats(): ContentStats {
    return contentStats([...this.counts].map(([name, count]) => ({ scope: "type", name, count })));
  }
}

/** Server name and version from HELLO (allowed for every user; INFO is not, for managed users). */
export async function serverIdentity(connection: RespConnection): Promise<{ name: string; version: string }> {
  const reply = await connection.call(["HELLO"]);
  if (reply instanceof RedisReplyError) throw reply;
  const fields = new Map<string, RespReply>();
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  return { name: String(fields.get("server") ?? "redis"), version: String(fields.get("version") ?? "unknown") };
}

/**
 * Keys per type under the dependency's prefix (the whole database for an
 * imported connection), counted the way a backup counts them: SCAN, then a
 * pipelined TYPE per key of each batch.
 */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const secrets = secretPartsOfUrl(request.connectionUrl);
  const prefix = ownedPrefix(request.metadata);
  const pattern = prefix === undefined ? undefined : prefixPattern(prefix);
  let connection: RespConnection | undefined;
  try {
    connection = await RespConnection.open(endpointOf(request.connectionUrl), { signal: request.signal, secrets });
    const counts = new Map<string, number>();
    let cursor = "0";
    do {
      request.signal.throwIfAborted();
      const scanned = scanReply(await connection.call(scanCommand(cursor, pattern)));
      cursor = scanned.cursor;
      for (const key of scanned.keys) connection.send(["TYPE", key]);
      connection.flush();
      for (const reply of await connection.take(scanned.keys.length)) {
        if (reply instanceof RedisReplyError) throw reply;
        const type = String(reply);
        if (type === "none") continue; // deleted since SCAN saw it
        const name = CORE_TYPES.has(type) ? type : "module";
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    } while (cursor !== "0");
    return contentStats([...counts].map(([name, count]) => ({ scope: "type", name, count })));
  } catch (error) {
    throw wrapError("content count", error, secrets);
  } finally {
    connection?.close();
  }
}
