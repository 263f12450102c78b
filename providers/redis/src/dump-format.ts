import { Transform, type TransformCallback } from "node:stream";

/**
 * Berth's Redis artifact format ("redis-dump-v1"): a header, then one record per
 * key — u32 key length ‖ key ‖ i64 PTTL (-1 = no expiry) ‖ u32 DUMP length ‖ DUMP
 * payload — and an end marker, so a truncated stream is detected.
 */
export const REDIS_FORMAT = "redis-dump-v1";
export const HEADER = Buffer.from("BERTH-REDIS-DUMP-1\n");
const END = 0xffffffff;

export interface KeyRecord {
  key: Buffer;
  pttl: number;
  dump: Buffer;
}

export function encodeRecord(record: KeyRecord): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(record.key.length);
  const ttl = Buffer.alloc(8);
  ttl.writeBigInt64BE(BigInt(record.pttl));
  const size = Buffer.alloc(4);
  size.writeUInt32BE(record.dump.length);
  return Buffer.concat([head, record.key, ttl, size, record.dump]);
}

export function endMarker(): Buffer {
  const end = Buffer.alloc(4);
  end.writeUInt32BE(END);
  return end;
}

/** Parses the format back into records (object mode), failing on a bad header or a missing end marker. */
export function createRecordParser(): Transform {
  let buffer: Buffer = Buffer.alloc(0);
  let headerSeen = false;
  let ended = false;
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      try {
        if (!headerSeen) {
          if (buffer.length < HEADER.length) return callback();
          if (!buffer.subarray(0, HEADER.length).equals(HEADER)) throw new Error("not a Berth Redis dump");
          buffer = buffer.subarray(HEADER.length);
          headerSeen = true;
        }
        for (;;) {
          if (ended) {
            if (buffer.length > 0) throw new Error("data after the end marker");
            break;
          }
          if (buffer.length < 4) break;
          const keyLength = buffer.readUInt32BE(0);
          if (keyLength === END) {
            ended = true;
            buffer = buffer.subarray(4);
            continue;
          }
          const dumpAt = 4 + keyLength + 8;
          if (buffer.length < dumpAt + 4) break;
          const dumpLength = buffer.readUInt32BE(dumpAt);
          if (buffer.length < dumpAt + 4 + dumpLength) break;
          this.push({
            key: Buffer.from(buffer.subarray(4, 4 + keyLength)),
            pttl: Number(buffer.readBigInt64BE(4 + keyLength)),
            dump: Buffer.from(buffer.subarray(dumpAt + 4, dumpAt + 4 + dumpLength)),
          } satisfies KeyRecord);
          buffer = buffer.subarray(dumpAt + 4 + dumpLength);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      callback(ended ? undefined : new Error("the Redis dump is truncated"));
    },
  });
}
