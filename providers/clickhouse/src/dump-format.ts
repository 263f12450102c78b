import { ProviderError } from "@berth/provider-sdk";

/**
 * Berth's ClickHouse artifact format ("clickhouse-native-v1"):
 *
 *   "BERTH-CLICKHOUSE-DUMP-1\n"
 *   u32 length ‖ JSON DumpHeader
 *   per table: "T" ‖ u32 length ‖ JSON TableRecord
 *              ‖ when the record has data: (u32 length ‖ bytes)* ‖ u32 0
 *   "E"
 *
 * A table's data is the server's own `FORMAT Native` output, cut into chunks so it
 * streams without knowing its size; the end marker makes truncation detectable.
 * All integers are big-endian.
 */
export const CLICKHOUSE_FORMAT = "clickhouse-native-v1";
export const MAGIC = Buffer.from("BERTH-CLICKHOUSE-DUMP-1\n");
const TABLE = 0x54; // "T"
const END = 0x45; // "E"
/** Largest data chunk the writer emits; the reader refuses bigger ones as corrupt. */
export const MAX_CHUNK = 1 << 20;
const MAX_JSON = 16 << 20;

export interface DumpHeader {
  database: string;
  /** `SELECT version()` of the server the backup came from. */
  serverVersion: string;
  /** The ClickHouse format of every table's data. */
  dataFormat: "Native";
}

export interface TableRecord {
  /** Name in the database; for an inner table, the name it had at backup time. */
  table: string;
  engine: string;
  /** `SHOW CREATE TABLE` output; absent for an inner table, which its view creates. */
  create?: string;
  /** Whether Native data chunks follow. */
  data: boolean;
  /** Set on a materialized view's inner table: the view it belongs to. */
  innerOf?: string;
}

export function encodeHeader(header: DumpHeader): Buffer {
  return Buffer.concat([MAGIC, lengthPrefixed(Buffer.from(JSON.stringify(header)))]);
}

export function encodeTable(record: TableRecord): Buffer {
  return Buffer.concat([Buffer.from([TABLE]), lengthPrefixed(Buffer.from(JSON.stringify(record)))]);
}

/** One data chunk (1 to MAX_CHUNK bytes). */
export function encodeChunk(data: Buffer): Buffer {
  return lengthPrefixed(data);
}

export function endOfData(): Buffer {
  return Buffer.alloc(4);
}

export function endMarker(): Buffer {
  return Buffer.from([END]);
}

function lengthPrefixed(data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32BE(data.length);
  return Buffer.concat([size, data]);
}

export interface ArtifactTable {
  record: TableRecord;
  /** The table's Native bytes; read it to the end (or not at all) before asking for the next table. */
  data: AsyncIterable<Buffer>;
}

/**
 * Reads an artifact: the header, then each table with its data as a stream.
 * Throws ProviderError("corrupt_artifact") on a wrong magic, malformed record,
 * truncation or bytes after the end marker.
 */
export async function* readArtifact(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<DumpHeader | ArtifactTable> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const magic = await reader.read(MAGIC.length);
  if (!magic.equals(MAGIC)) throw corrupt("not a Berth ClickHouse dump");
  yield parseJson<DumpHeader>(await reader.read(await readLength(reader, MAX_JSON)), ["database", "serverVersion", "dataFormat"]);
  for (;;) {
    const [tag] = await reader.read(1);
    if (tag === END) break;
    if (tag !== TABLE) throw corrupt("unknown record type");
    const record = parseJson<TableRecord>(await reader.read(await readLength(reader, MAX_JSON)), ["table", "engine", "data"]);
    let done = !record.data;
    const data = async function* () {
      while (!done) {
        const size = await readLength(reader, MAX_CHUNK);
        if (size === 0) done = true;
        else yield await reader.read(size);
      }
    };
    yield { record, data: data() };
    // Skips whatever the consumer left unread.
    for await (const chunk of data()) void chunk;
  }
  if (!(await reader.atEnd())) throw corrupt("data after the end marker");
}

async function readLength(reader: ByteReader, max: number): Promise<number> {
  const size = (await reader.read(4)).readUInt32BE(0);
  if (size > max) throw corrupt("a record is larger than the format allows");
  return size;
}

function parseJson<T>(bytes: Buffer, required: string[]): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw corrupt("a record is not valid JSON");
  }
  if (typeof value !== "object" || value === null || !required.every((key) => key in value)) throw corrupt("a record lacks required fields");
  return value as T;
}

function corrupt(message: string): ProviderError {
  return new ProviderError("corrupt_artifact", `the ClickHouse dump is corrupt: ${message}`);
}

/** Exact-length reads over a byte stream. */
class ByteReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

  async read(size: number): Promise<Buffer> {
    while (this.buffer.length < size) {
      if (!(await this.pull())) throw corrupt("it is truncated");
    }
    const out = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return out;
  }

  async atEnd(): Promise<boolean> {
    while (this.buffer.length === 0) if (!(await this.pull())) return true;
    return false;
  }

  private async pull(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    const chunk = typeof next.value === "string" ? Buffer.from(next.value) : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }
}
