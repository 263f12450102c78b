import { once } from "node:events";
import type { Readable, Writable } from "node:stream";

/**
 * Berth's Redis artifact format ("redis-dump-v1"): a header, then one record per
 * key — u32 key length ‖ key ‖ i64 PTTL (-1 = no expiry) ‖ u32 DUMP length ‖ DUMP
 * payload — and an end marker, so a truncated stream is detected.
 */
export const REDIS_FORMAT = "redis-dump-v1";
export const HEADER = Buffer.from("BERTH-REDIS-DUMP-1\n");
const END = 0xffffffff;
const RECORD_OVERHEAD = 16;
const CHUNK = 256 * 1024;

export interface KeyRecord {
  key: Buffer;
  pttl: number;
  dump: Buffer;
}

/**
 * Encodes records into 256 KiB chunks written to `sink`, instead of a few small
 * buffers per key; a payload larger than a chunk is written as it is.
 */
export class RecordWriter {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private needsDrain = false;

  constructor(private readonly sink: Writable) {
    this.put(HEADER);
  }

  /** Appends one record; call `drained` now and then to honour the sink's backpressure. */
  add(key: Buffer, pttl: number, dump: Buffer): void {
    const size = RECORD_OVERHEAD + key.length + dump.length;
    if (size > this.chunk.length - this.used) {
      this.emit();
      if (size > this.chunk.length) {
        const head = Buffer.allocUnsafe(RECORD_OVERHEAD + key.length);
        encodeHead(head, 0, key, pttl, dump.length);
        this.write(head);
        this.write(dump);
        return;
      }
    }
    const at = encodeHead(this.chunk, this.used, key, pttl, dump.length);
    this.used = at + dump.copy(this.chunk, at);
  }

  /** Resolves once the sink wants more data. */
  async drained(): Promise<void> {
    if (this.used >= CHUNK / 2) this.emit();
    if (!this.needsDrain) return;
    this.needsDrain = false;
    if (this.sink.writableNeedDrain) await once(this.sink, "drain");
  }

  /** Writes the end marker and what is buffered, and ends the sink. */
  async finish(): Promise<void> {
    const end = Buffer.alloc(4);
    end.writeUInt32BE(END);
    this.put(end);
    this.emit();
    this.sink.end();
    await this.drained();
  }

  private put(bytes: Buffer): void {
    if (bytes.length > this.chunk.length - this.used) this.emit();
    this.used += bytes.copy(this.chunk, this.used);
  }

  private emit(): void {
    if (this.used === 0) return;
    const full = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
    this.write(full);
  }

  private write(bytes: Buffer): void {
    if (!this.sink.write(bytes)) this.needsDrain = true;
  }
}

function encodeHead(target: Buffer, at: number, key: Buffer, pttl: number, dumpLength: number): number {
  target.writeUInt32BE(key.length, at);
  at += 4;
  at += key.copy(target, at);
  // PTTL is -1 or a millisecond count far below 2^53: two 32-bit halves, no BigInt.
  target.writeInt32BE(Math.floor(pttl / 2 ** 32), at);
  target.writeUInt32BE(pttl >>> 0, at + 4);
  target.writeUInt32BE(dumpLength, at + 8);
  return at + 12;
}

/** The artifact is not a complete redis-dump-v1 stream. */
export class DumpFormatError extends Error {}

/**
 * Parses an artifact into batches of records, failing on a bad header, a
 * truncated stream or data after the end marker. Records are views into the
 * source's chunks; a record spanning many chunks is joined once, when whole.
 */
export async function* readRecords(source: Readable): AsyncGenerator<KeyRecord[]> {
  let buffer: Buffer = Buffer.alloc(0);
  let parked: Buffer[] = [];
  let parkedBytes = 0;
  let needed = 0;
  let headerSeen = false;
  let ended = false;
  for await (const data of source) {
    const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
    if (ended) {
      if (chunk.length > 0) throw new DumpFormatError("data after the end marker");
      continue;
    }
    if (needed > 0) {
      parked.push(chunk);
      parkedBytes += chunk.length;
      if (parkedBytes < needed) continue;
      buffer = Buffer.concat(parked, parkedBytes);
      parked = [];
      parkedBytes = 0;
      needed = 0;
    } else {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    }
    if (!headerSeen) {
      if (buffer.length < HEADER.length) continue;
      if (!buffer.subarray(0, HEADER.length).equals(HEADER)) throw new DumpFormatError("not a Berth Redis dump");
      buffer = buffer.subarray(HEADER.length);
      headerSeen = true;
    }
    const batch: KeyRecord[] = [];
    let at = 0;
    for (;;) {
      if (buffer.length - at < 4) {
        needed = at + 4;
        break;
      }
      const keyLength = buffer.readUInt32BE(at);
      if (keyLength === END) {
        ended = true;
        if (buffer.length > at + 4) throw new DumpFormatError("data after the end marker");
        at += 4;
        break;
      }
      const dumpAt = at + 4 + keyLength + 8;
      if (buffer.length < dumpAt + 4) {
        needed = dumpAt + 4;
        break;
      }
      const dumpLength = buffer.readUInt32BE(dumpAt);
      const end = dumpAt + 4 + dumpLength;
      if (buffer.length < end) {
        needed = end;
        break;
      }
      const pttl = buffer.readInt32BE(at + 4 + keyLength) * 2 ** 32 + buffer.readUInt32BE(at + 8 + keyLength);
      batch.push({ key: buffer.subarray(at + 4, at + 4 + keyLength), pttl, dump: buffer.subarray(dumpAt + 4, end) });
      at = end;
    }
    const stillNeeded = needed - at;
    buffer = buffer.subarray(at);
    // Park chunks only for a large gap (a big payload); small gaps are cheaper to join each time.
    if (!ended && stillNeeded - buffer.length > 64 * 1024) {
      needed = stillNeeded;
      parked = [buffer];
      parkedBytes = buffer.length;
    } else {
      needed = 0;
    }
    if (batch.length > 0) yield batch;
  }
  if (!headerSeen) throw new DumpFormatError("not a Berth Redis dump");
  if (!ended) throw new DumpFormatError("the Redis dump is truncated");
}
