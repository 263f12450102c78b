import { ProviderError } from "@berth/provider-sdk";

/**
 * Berth's object-storage artifact ("s3-objects-v1"), self-describing and
 * streamable:
 *
 *   "BERTH-S3-OBJECTS-1\n" ‖ u32 n ‖ header JSON (n bytes)
 *   per object: "O" ‖ u32 n ‖ entry JSON (n bytes) ‖ u64 size ‖ body (size bytes) ‖ sha256(body) (32 bytes)
 *   "E" ‖ u64 object count
 *
 * Lengths are big-endian. Bodies are written and read as streams, never whole.
 * A missing end marker, a wrong count or a body whose digest does not match is
 * reported as a corrupt artifact.
 */
export const OBJECTS_FORMAT = "s3-objects-v1";
const MAGIC = Buffer.from("BERTH-S3-OBJECTS-1\n");
const RECORD = 0x4f; // "O"
const END = 0x45; // "E"
const DIGEST_LENGTH = 32;
/** Entry and header JSON stay small (a key is ≤ 1 KiB, user metadata ≤ 2 KiB on S3). */
const MAX_JSON = 1 << 20;

export interface ArtifactHeader {
  format: typeof OBJECTS_FORMAT;
  bucket: string;
  /** The key prefix the backup was confined to, "" for the whole bucket. */
  prefix: string;
  createdAt: string;
}

/** One object's key and the metadata a PUT needs to recreate it. */
export interface ObjectEntry {
  key: string;
  size: number;
  contentType?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  cacheControl?: string;
  /** HTTP Expires header as the server sent it. */
  expires?: string;
  websiteRedirectLocation?: string;
  /** User metadata (x-amz-meta-*), keys as the server returns them. */
  metadata: Record<string, string>;
}

function framed(tag: number | undefined, json: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(json), "utf8");
  const head = Buffer.alloc(tag === undefined ? 4 : 5);
  if (tag !== undefined) head.writeUInt8(tag, 0);
  head.writeUInt32BE(body.length, tag === undefined ? 0 : 1);
  return Buffer.concat([head, body]);
}

export function encodeHeader(header: ArtifactHeader): Buffer {
  return Buffer.concat([MAGIC, framed(undefined, header)]);
}

/** Everything of a record that precedes the body. */
export function encodeEntry(entry: ObjectEntry): Buffer {
  const size = Buffer.alloc(8);
  size.writeBigUInt64BE(BigInt(entry.size));
  return Buffer.concat([framed(RECORD, entry), size]);
}

/** Follows the body: its SHA-256, so a damaged body is detected. */
export function encodeDigest(digest: Buffer): Buffer {
  if (digest.length !== DIGEST_LENGTH) throw new Error("digest must be a SHA-256");
  return digest;
}

export function encodeEnd(objectCount: number): Buffer {
  const end = Buffer.alloc(9);
  end.writeUInt8(END, 0);
  end.writeBigUInt64BE(BigInt(objectCount), 1);
  return end;
}

function corrupt(message: string): ProviderError {
  return new ProviderError("corrupt_artifact", `not a valid ${OBJECTS_FORMAT} artifact: ${message}`);
}

/** Pulls exact byte counts from a stream of chunks without holding more than one chunk extra. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

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
    const first = this.chunks[0];
    if (first.length <= max) {
      this.chunks.shift();
      this.buffered -= first.length;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  async readExact(length: number, what: string): Promise<Buffer> {
    await this.fill(length);
    if (this.buffered < length) throw corrupt(`it ends inside ${what} (truncated)`);
    const parts: Buffer[] = [];
    let left = length;
    while (left > 0) {
      const part = this.take(left);
      parts.push(part);
      left -= part.length;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  async *readStream(length: number, what: string): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.buffered === 0) await this.fill(1);
      if (this.buffered === 0) throw corrupt(`it ends inside ${what} (truncated)`);
      const part = this.take(Math.min(left, 1 << 20));
      left -= part.length;
      yield part;
    }
  }

  async isAtEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buffered === 0;
  }
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    throw corrupt(`${what} is not JSON`);
  }
}

function isEntry(value: unknown): value is ObjectEntry {
  const entry = value as ObjectEntry;
  return (
    typeof entry === "object" &&
    entry !== null &&
    typeof entry.key === "string" &&
    entry.key.length > 0 &&
    Number.isSafeInteger(entry.size) &&
    entry.size >= 0 &&
    typeof entry.metadata === "object" &&
    entry.metadata !== null &&
    Object.values(entry.metadata).every((v) => typeof v === "string")
  );
}

/** One object read from an artifact: its entry, and its body, which must be consumed before the next. */
export interface ArtifactObject {
  entry: ObjectEntry;
  body: AsyncGenerator<Buffer>;
  /** Reads the stored digest; call after the body was consumed. */
  digest(): Promise<Buffer>;
}

/**
 * Reads an artifact record by record. Bodies come as streams; nothing is
 * buffered beyond the chunk being passed on.
 */
export class ArtifactReader {
  private count = 0;
  private ended = false;

  private constructor(
    private readonly bytes: ByteReader,
    readonly header: ArtifactHeader,
  ) {}

  static async open(source: AsyncIterable<Buffer | Uint8Array | string>): Promise<ArtifactReader> {
    const bytes = new ByteReader(source[Symbol.asyncIterator]());
    const magic = await bytes.readExact(MAGIC.length, "the header").catch(() => Buffer.alloc(0));
    if (!magic.equals(MAGIC)) throw corrupt("it does not start with the object-storage artifact header");
    const length = (await bytes.readExact(4, "the header")).readUInt32BE(0);
    if (length > MAX_JSON) throw corrupt("the header is too long");
    const header = parseJson<ArtifactHeader>(await bytes.readExact(length, "the header"), "the header");
    if (header?.format !== OBJECTS_FORMAT || typeof header.bucket !== "string" || typeof header.prefix !== "string") {
      throw corrupt("the header does not describe an object-storage backup");
    }
    return new ArtifactReader(bytes, header);
  }

  /** The next object, or undefined after the end marker (checked against the object count). */
  async next(): Promise<ArtifactObject | undefined> {
    if (this.ended) return undefined;
    const tag = (await this.bytes.readExact(1, "a record tag"))[0];
    if (tag === END) {
      const count = Number((await this.bytes.readExact(8, "the end marker")).readBigUInt64BE(0));
      if (count !== this.count) throw corrupt(`the end marker counts ${count} objects but ${this.count} were read`);
      if (!(await this.bytes.isAtEnd())) throw corrupt("there is data after the end marker");
      this.ended = true;
      return undefined;
    }
    if (tag !== RECORD) throw corrupt("a record has an unknown tag");
    const length = (await this.bytes.readExact(4, "an object entry")).readUInt32BE(0);
    if (length > MAX_JSON) throw corrupt("an object entry is too long");
    const entry = parseJson<unknown>(await this.bytes.readExact(length, "an object entry"), "an object entry");
    if (!isEntry(entry)) throw corrupt("an object entry lacks a key, size or metadata");
    const size = Number((await this.bytes.readExact(8, "an object entry")).readBigUInt64BE(0));
    if (size !== entry.size) throw corrupt("an object's size does not match its entry");
    this.count++;
    return {
      entry,
      body: this.bytes.readStream(size, "an object body"),
      digest: () => this.bytes.readExact(DIGEST_LENGTH, "an object digest"),
    };
  }
}
