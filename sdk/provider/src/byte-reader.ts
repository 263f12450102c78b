import { ProviderError } from "./errors.js";

/**
 * Exact-length reads over a stream of chunks, holding no more than one chunk
 * beyond what was asked for. Running out of bytes inside a read is a
 * `corrupt_artifact` ProviderError naming `what` was being read.
 *
 * @example
 * const bytes = new ByteReader(request.source, "my-format-v1");
 * const length = (await bytes.readExact(4, "the header")).readUInt32BE(0);
 * const header = await bytes.readExact(length, "the header");
 */
export class ByteReader {
  private readonly source: AsyncIterator<Buffer | Uint8Array | string>;
  private chunks: Buffer[] = [];
  /** Index of the first unread chunk: a moving head, not shift(), so many tiny chunks stay linear. */
  private head = 0;
  private buffered = 0;
  private done = false;

  /** `format` names the artifact format in errors ("not a valid <format> artifact: …"). */
  constructor(
    source: AsyncIterable<Buffer | Uint8Array | string>,
    readonly format: string,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** A `corrupt_artifact` error in this reader's words. */
  corrupt(message: string): ProviderError {
    return new ProviderError("corrupt_artifact", `not a valid ${this.format} artifact: ${message}`);
  }

  private async fill(wanted: number): Promise<void> {
    while (this.buffered < wanted && !this.done) {
      const next = await this.source.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = typeof next.value === "string" ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  /** Up to `max` bytes from the front of what is buffered. */
  private take(max: number): Buffer {
    const first = this.chunks[this.head];
    if (first.length <= max) {
      this.head++;
      if (this.head === this.chunks.length || this.head >= 1024) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
      this.buffered -= first.length;
      return first;
    }
    this.chunks[this.head] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  /** Exactly `length` bytes; throws corrupt_artifact ("it ends inside <what> (truncated)") when the stream ends first. */
  async readExact(length: number, what: string): Promise<Buffer> {
    await this.fill(length);
    if (this.buffered < length) throw this.corrupt(`it ends inside ${what} (truncated)`);
    const parts: Buffer[] = [];
    let left = length;
    while (left > 0) {
      const part = this.take(left);
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Exactly `length` bytes as a stream of pieces of at most 1 MiB, for bodies too large to hold. */
  async *readStream(length: number, what: string): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.buffered === 0) await this.fill(1);
      if (this.buffered === 0) throw this.corrupt(`it ends inside ${what} (truncated)`);
      const part = this.take(Math.min(left, 1 << 20));
      left -= part.length;
      yield part;
    }
  }

  /** Whether the stream has no bytes left. */
  async isAtEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buffered === 0;
  }
}
