import { ByteReader, FrameEncoder, FrameReader, ProviderError } from "@berth/provider-sdk";

/**
 * Berth's object-storage artifact. Written as "s3-objects-v2", in the SDK's
 * framed-record container (`FrameEncoder`/`FrameReader`):
 *
 *   header frame: { format, bucket, prefix, createdAt }
 *   per object: "O" entry JSON ‖ "B" body frames (≤ 1 MiB each) ‖ empty "B" ‖ "D" sha256(body) (32 bytes)
 *
 * "s3-objects-v1", this provider's own framing before v2, is still read, so
 * older backups restore:
 *
 *   "BERTH-S3-OBJECTS-1\n" ‖ u32 n ‖ header JSON (n bytes)
 *   per object: "O" ‖ u32 n ‖ entry JSON (n bytes) ‖ u64 size ‖ body (size bytes) ‖ sha256(body) (32 bytes)
 *   "E" ‖ u64 object count
 *
 * Bodies are written and read as streams, never whole. A missing end, a wrong
 * count or a body whose digest does not match is reported as a corrupt artifact.
 */
export const OBJECTS_FORMAT = "s3-objects-v2";
/** The format of backups taken before v2; restore still reads it. */
export const OBJECTS_FORMAT_V1 = "s3-objects-v1";
/** Every format restore reads. */
export const READABLE_OBJECT_FORMATS: readonly string[] = [OBJECTS_FORMAT, OBJECTS_FORMAT_V1];
const V1_MAGIC = Buffer.from("BERTH-S3-OBJECTS-1\n");
const V1_RECORD = 0x4f; // "O"
const V1_END = 0x45; // "E"
const DIGEST_LENGTH = 32;
/** Entry and header JSON stay small (a key is ≤ 1 KiB, user metadata ≤ 2 KiB on S3). */
const MAX_JSON = 1 << 20;
const ENTRY = "O";
const BODY = "B";
const DIGEST = "D";

export interface ArtifactHeader {
  format: string;
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

/** Encodes one v2 artifact: `start`, then per object `entry`, `body` pieces, `digest`, then `end`. */
export class ArtifactWriter {
  private readonly frames = new FrameEncoder(OBJECTS_FORMAT);

  start(header: Omit<ArtifactHeader, "format">): Buffer {
    return this.frames.start({ ...header });
  }

  entry(entry: ObjectEntry): Buffer {
    return this.frames.json(ENTRY, entry);
  }

  /** A piece of the current object's body, as it is read. */
  body(piece: Buffer): Buffer {
    return Buffer.concat(this.frames.chunks(BODY, piece));
  }

  /** Closes the body; its SHA-256 follows, so a damaged body is detected. */
  digest(digest: Buffer): Buffer {
    if (digest.length !== DIGEST_LENGTH) throw new Error("digest must be a SHA-256");
    return Buffer.concat([this.frames.close(BODY), this.frames.bytes(DIGEST, digest)]);
  }

  end(): Buffer {
    return this.frames.end();
  }
}

function parseJson<T>(reader: ByteReader, bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch {
    throw reader.corrupt(`${what} is not JSON`);
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

/** Reads an artifact of either format object by object. */
export interface ArtifactReader {
  readonly header: ArtifactHeader;
  /** The next object, or undefined after the end (checked against the object count). */
  next(): Promise<ArtifactObject | undefined>;
}

/**
 * Opens an artifact of `format` (as the backup recorded it). Bodies come as
 * streams; nothing is buffered beyond the chunk being passed on.
 */
export async function openArtifact(source: AsyncIterable<Buffer | Uint8Array | string>, format: string): Promise<ArtifactReader> {
  if (format === OBJECTS_FORMAT_V1) return V1Reader.open(source);
  if (format !== OBJECTS_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${format}; expected ${READABLE_OBJECT_FORMATS.join(" or ")}`);
  const frames = await FrameReader.open(source, OBJECTS_FORMAT, { maxFrame: MAX_JSON });
  const header = frames.header as unknown as ArtifactHeader;
  if (typeof header.bucket !== "string" || typeof header.prefix !== "string") throw frames.corrupt("the header does not describe an object-storage backup");
  return {
    header,
    async next() {
      const frame = await frames.next();
      if (!frame) return undefined;
      if (frame.tag !== ENTRY) throw frames.corrupt("a record is not an object entry");
      let entry: unknown;
      try {
        entry = JSON.parse(frame.payload.toString("utf8"));
      } catch {
        throw frames.corrupt("an object entry is not JSON");
      }
      if (!isEntry(entry)) throw frames.corrupt("an object entry lacks a key, size or metadata");
      const size = entry.size;
      let read = 0;
      let closed = false;
      const body = (async function* () {
        for await (const piece of frames.run(BODY, "an object body")) {
          read += piece.length;
          if (read > size) throw frames.corrupt("an object's body is longer than its entry says");
          yield piece;
        }
        if (read !== size) throw frames.corrupt("an object's body is shorter than its entry says (truncated)");
        closed = true;
      })();
      return {
        entry,
        body,
        async digest() {
          if (!closed) for await (const piece of body) void piece;
          const digest = await frames.next();
          if (digest?.tag !== DIGEST || digest.payload.length !== DIGEST_LENGTH) throw frames.corrupt("an object's digest is missing");
          return digest.payload;
        },
      };
    },
  };
}

/** Reads the v1 framing, this provider's own before the SDK's container. */
class V1Reader implements ArtifactReader {
  private count = 0;
  private ended = false;

  private constructor(
    private readonly bytes: ByteReader,
    readonly header: ArtifactHeader,
  ) {}

  static async open(source: AsyncIterable<Buffer | Uint8Array | string>): Promise<V1Reader> {
    const bytes = new ByteReader(source, OBJECTS_FORMAT_V1);
    const magic = await bytes.readExact(V1_MAGIC.length, "the header").catch(() => Buffer.alloc(0));
    if (!magic.equals(V1_MAGIC)) throw bytes.corrupt("it does not start with the object-storage artifact header");
    const length = (await bytes.readExact(4, "the header")).readUInt32BE(0);
    if (length > MAX_JSON) throw bytes.corrupt("the header is too long");
    const header = parseJson<ArtifactHeader>(bytes, await bytes.readExact(length, "the header"), "the header");
    if (header?.format !== OBJECTS_FORMAT_V1 || typeof header.bucket !== "string" || typeof header.prefix !== "string") {
      throw bytes.corrupt("the header does not describe an object-storage backup");
    }
    return new V1Reader(bytes, header);
  }

  async next(): Promise<ArtifactObject | undefined> {
    if (this.ended) return undefined;
    const tag = (await this.bytes.readExact(1, "a record tag"))[0];
    if (tag === V1_END) {
      const count = Number((await this.bytes.readExact(8, "the end marker")).readBigUInt64BE(0));
      if (count !== this.count) throw this.bytes.corrupt(`the end marker counts ${count} objects but ${this.count} were read`);
      if (!(await this.bytes.isAtEnd())) throw this.bytes.corrupt("there is data after the end marker");
      this.ended = true;
      return undefined;
    }
    if (tag !== V1_RECORD) throw this.bytes.corrupt("a record has an unknown tag");
    const length = (await this.bytes.readExact(4, "an object entry")).readUInt32BE(0);
    if (length > MAX_JSON) throw this.bytes.corrupt("an object entry is too long");
    const entry = parseJson<unknown>(this.bytes, await this.bytes.readExact(length, "an object entry"), "an object entry");
    if (!isEntry(entry)) throw this.bytes.corrupt("an object entry lacks a key, size or metadata");
    const size = Number((await this.bytes.readExact(8, "an object entry")).readBigUInt64BE(0));
    if (size !== entry.size) throw this.bytes.corrupt("an object's size does not match its entry");
    this.count++;
    return {
      entry,
      body: this.bytes.readStream(size, "an object body"),
      digest: () => this.bytes.readExact(DIGEST_LENGTH, "an object digest"),
    };
  }
}
