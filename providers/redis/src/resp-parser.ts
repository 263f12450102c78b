/** An error reply ("-NOPERM this user has no permissions…"); `code` is its first word. */
export class RedisReplyError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
    this.code = /^\S+/.exec(message)?.[0] ?? "ERR";
  }
}

/** A RESP2 reply: simple string, integer, bulk string (Buffer), nil, array, or an error reply. */
export type RespReply = string | number | Buffer | null | RedisReplyError | RespReply[];

const CR = 13;
const PLUS = 43;
const MINUS = 45;
const COLON = 58;
const DOLLAR = 36;
const STAR = 42;
const EMPTY = Buffer.alloc(0);

/**
 * Incremental RESP2 reply parser. Bulk strings are views into the received
 * chunks (no copy). A reply that spans many chunks (a large DUMP payload) is
 * joined once, when all its bytes are there, not once per chunk.
 */
export class ReplyParser {
  private buffer: Buffer = EMPTY;
  /** Chunks received while waiting for `needed` bytes in total. */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  private needed = 0;
  private value: RespReply = null;

  /** Parses what `chunk` completes and appends each whole reply to `out`. */
  feed(chunk: Buffer, out: RespReply[]): void {
    if (this.needed > 0) {
      this.waiting.push(chunk);
      this.waitingBytes += chunk.length;
      if (this.waitingBytes < this.needed) return;
      this.buffer = Buffer.concat(this.waiting, this.waitingBytes);
      this.waiting = [];
      this.waitingBytes = 0;
      this.needed = 0;
    } else {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    }
    const buffer = this.buffer;
    let position = 0;
    for (;;) {
      const end = this.parse(buffer, position);
      if (end < 0) break;
      out.push(this.value);
      position = end;
    }
    this.buffer = position === buffer.length ? EMPTY : buffer.subarray(position);
    // `needed` was set relative to `buffer`; rebase it, and only park chunks for a large gap.
    const missing = this.needed - buffer.length;
    if (missing > 64 * 1024) {
      this.needed -= position;
      this.waiting = [this.buffer];
      this.waitingBytes = this.buffer.length;
      this.buffer = EMPTY;
    } else {
      this.needed = 0;
    }
  }

  /** Returns the end offset of the reply at `position`, or -1 (and sets `needed`) when it is incomplete. */
  private parse(buffer: Buffer, position: number): number {
    if (position >= buffer.length) return this.incomplete(position + 1);
    const type = buffer[position];
    const lineEnd = buffer.indexOf(CR, position + 1);
    if (lineEnd < 0 || lineEnd + 1 >= buffer.length) return this.incomplete(buffer.length + 1);
    const next = lineEnd + 2;
    switch (type) {
      case PLUS:
        this.value = buffer.toString("latin1", position + 1, lineEnd);
        return next;
      case MINUS:
        this.value = new RedisReplyError(buffer.toString("utf8", position + 1, lineEnd));
        return next;
      case COLON:
        this.value = parseInteger(buffer, position + 1, lineEnd);
        return next;
      case DOLLAR: {
        const length = parseInteger(buffer, position + 1, lineEnd);
        if (length < 0) {
          this.value = null;
          return next;
        }
        const end = next + length;
        if (end + 2 > buffer.length) return this.incomplete(end + 2);
        this.value = buffer.subarray(next, end);
        return end + 2;
      }
      case STAR: {
        const count = parseInteger(buffer, position + 1, lineEnd);
        if (count < 0) {
          this.value = null;
          return next;
        }
        const items: RespReply[] = new Array<RespReply>(count);
        let at = next;
        for (let i = 0; i < count; i++) {
          at = this.parse(buffer, at);
          if (at < 0) return -1;
          items[i] = this.value;
        }
        this.value = items;
        return at;
      }
      default:
        throw new Error(`unexpected RESP type byte ${type}`);
    }
  }

  private incomplete(needed: number): number {
    this.needed = needed;
    return -1;
  }
}

function parseInteger(buffer: Buffer, start: number, end: number): number {
  let negative = false;
  let i = start;
  if (buffer[i] === MINUS) {
    negative = true;
    i++;
  }
  let value = 0;
  for (; i < end; i++) {
    const digit = buffer[i] - 48;
    if (digit < 0 || digit > 9) throw new Error("malformed RESP integer");
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
