import { ByteReader } from "./byte-reader.js";

/**
 * Berth's framed-record artifact container, shared by providers whose native
 * backup is a stream of Berth-defined records (ClickHouse tables, S3 objects, …):
 *
 *   "BERTH-FRAMES-1\n"
 *   "H" ‖ u32 n ‖ header JSON (n bytes): { "format": "<provider format>", … }
 *   frames: tag (1 ASCII byte, not "H" or "E") ‖ u32 n ‖ payload (n bytes)
 *   "E" ‖ u32 n ‖ end JSON: { "frames": <frames between header and end> }
 *
 * Lengths are big-endian. The end frame's count makes a truncated or spliced
 * artifact detectable; nothing may follow it. A payload too large for one frame
 * (a table's data, an object body) goes as a run of frames of one tag, each at
 * most {@link FRAME_CHUNK} bytes, closed by an empty frame of that tag.
 *
 * @example
 * const frames = new FrameEncoder("s3-objects-v2");
 * write(frames.start({ bucket }));
 * write(frames.json("O", entry));
 * for (const part of frames.chunks("B", body)) write(part);
 * write(frames.close("B"));
 * write(frames.end());
 *
 * const reader = await FrameReader.open(source, "s3-objects-v2");
 * for (let frame = await reader.next(); frame; frame = await reader.next()) …
 */
export const FRAMES_MAGIC = Buffer.from("BERTH-FRAMES-1\n");
/** Largest piece a run of data frames is cut into. */
export const FRAME_CHUNK = 1 << 20;
/** Default largest frame a reader accepts (JSON records stay far below it). */
const DEFAULT_MAX_FRAME = 16 << 20;
const HEADER_TAG = "H";
const END_TAG = "E";

function frame(tag: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(tag, 0, 1, "latin1");
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Encodes one artifact's frames in order, counting them for the end frame. */
export class FrameEncoder {
  private count = 0;

  constructor(readonly format: string) {}

  /** The magic and the header frame; `header` must not have its own `format`. */
  start(header: Record<string, unknown>): Buffer {
    return Buffer.concat([FRAMES_MAGIC, frame(HEADER_TAG, Buffer.from(JSON.stringify({ ...header, format: this.format })))]);
  }

  /** One frame of raw bytes. */
  bytes(tag: string, payload: Buffer): Buffer {
    if (tag.length !== 1 || tag === HEADER_TAG || tag === END_TAG || tag.charCodeAt(0) > 0x7e) throw new Error(`frame tag ${JSON.stringify(tag)} is reserved or not one ASCII byte`);
    this.count++;
    return frame(tag, payload);
  }

  /** One frame holding `value` as JSON. */
  json(tag: string, value: unknown): Buffer {
    return this.bytes(tag, Buffer.from(JSON.stringify(value), "utf8"));
  }

  /** `data` cut into frames of at most {@link FRAME_CHUNK} bytes (none for empty data). */
  chunks(tag: string, data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    for (let at = 0; at < data.length; at += FRAME_CHUNK) out.push(this.bytes(tag, data.subarray(at, at + FRAME_CHUNK)));
    return out;
  }

  /** The empty frame that closes a run of `tag` frames. */
  close(tag: string): Buffer {
    return this.bytes(tag, Buffer.alloc(0));
  }

  /** The end frame; write nothing after it. */
  end(): Buffer {
    return frame(END_TAG, Buffer.from(JSON.stringify({ frames: this.count })));
  }
}

export interface Frame {
  tag: string;
  payload: Buffer;
}

/**
 * Reads a framed-record artifact frame by frame, checking the magic, the
 * format named in the header, each frame's size, the end frame's count and
 * that nothing follows it. Every failure is ProviderError("corrupt_artifact").
 */
export class FrameReader {
  private count = 0;
  private ended = false;

  private constructor(
    private readonly bytes: ByteReader,
    /** The header frame's JSON, `format` included. */
    readonly header: Record<string, unknown>,
    private readonly maxFrame: number,
  ) {}

  static async open(source: AsyncIterable<Buffer | Uint8Array | string>, format: string, options: { maxFrame?: number } = {}): Promise<FrameReader> {
    const bytes = new ByteReader(source, format);
    const magic = await bytes.readExact(FRAMES_MAGIC.length, "the header").catch(() => Buffer.alloc(0));
    if (!magic.equals(FRAMES_MAGIC)) throw bytes.corrupt("it does not start with a Berth framed-record header");
    const maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
    const first = await readFrame(bytes, maxFrame);
    if (first.tag !== HEADER_TAG) throw bytes.corrupt("the first frame is not a header");
    const header = parseJson(bytes, first.payload, "the header");
    if (typeof header !== "object" || header === null || Array.isArray(header)) throw bytes.corrupt("the header is not a JSON object");
    const named = (header as Record<string, unknown>).format;
    if (named !== format) throw bytes.corrupt(`the header names format ${JSON.stringify(String(named)).slice(0, 60)}`);
    return new FrameReader(bytes, header as Record<string, unknown>, maxFrame);
  }

  /** A `corrupt_artifact` error in this artifact's words, for the provider's own checks. */
  corrupt(message: string): Error {
    return this.bytes.corrupt(message);
  }

  /** The next frame, or undefined after the end frame (its count and the stream's end checked). */
  async next(): Promise<Frame | undefined> {
    if (this.ended) return undefined;
    const next = await readFrame(this.bytes, this.maxFrame);
    if (next.tag === HEADER_TAG) throw this.corrupt("a second header frame");
    if (next.tag !== END_TAG) {
      this.count++;
      return next;
    }
    const end = parseJson(this.bytes, next.payload, "the end frame") as { frames?: unknown } | null;
    if (end?.frames !== this.count) throw this.corrupt(`the end frame counts ${String(end?.frames)} frames but ${this.count} were read`);
    if (!(await this.bytes.isAtEnd())) throw this.corrupt("there is data after the end frame");
    this.ended = true;
    return undefined;
  }

  /** The next frame, which must carry `tag`; its JSON payload. */
  async nextJson<T>(tag: string, what: string): Promise<T> {
    const next = await this.next();
    if (next?.tag !== tag) throw this.corrupt(`expected ${what}`);
    return parseJson(this.bytes, next.payload, what) as T;
  }

  /** The payloads of a run of `tag` frames up to the empty frame that closes it. */
  async *run(tag: string, what: string): AsyncGenerator<Buffer> {
    for (;;) {
      const next = await this.next();
      if (next?.tag !== tag) throw this.corrupt(`${what} is not closed`);
      if (next.payload.length === 0) return;
      yield next.payload;
    }
  }
}

async function readFrame(bytes: ByteReader, maxFrame: number): Promise<Frame> {
  const head = await bytes.readExact(5, "a frame header");
  const length = head.readUInt32BE(1);
  if (length > maxFrame) throw bytes.corrupt("a frame is larger than the format allows");
  return { tag: head.toString("latin1", 0, 1), payload: await bytes.readExact(length, "a frame") };
}

function parseJson(bytes: ByteReader, payload: Buffer, what: string): unknown {
  try {
    return JSON.parse(payload.toString("utf8"));
  } catch {
    throw bytes.corrupt(`${what} is not JSON`);
  }
}
