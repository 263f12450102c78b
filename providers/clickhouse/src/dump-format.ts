import { ByteReader, FRAME_CHUNK, FrameEncoder, FrameReader, ProviderError } from "@berth/provider-sdk";

/**
 * Berth's ClickHouse artifact. Written as "clickhouse-native-v2", in the SDK's
 * framed-record container (`FrameEncoder`/`FrameReader`):
 *
 *   header frame: { format, database, serverVersion, dataFormat: "Native" }
 *   per table: "T" TableRecord JSON, then when the record has data:
 *              "N" frames of the table's Native bytes (≤ 1 MiB each) ‖ empty "N"
 *
 * A table's data is the server's own `FORMAT Native` output, cut into chunks so
 * it streams without knowing its size. "clickhouse-native-v1", this provider's
 * own framing before v2, is still read, so older backups restore:
 *
 *   "BERTH-CLICKHOUSE-DUMP-1\n"
 *   u32 length ‖ JSON DumpHeader
 *   per table: "T" ‖ u32 length ‖ JSON TableRecord
 *              ‖ when the record has data: (u32 length ‖ bytes)* ‖ u32 0
 *   "E"
 */
export const CLICKHOUSE_FORMAT = "clickhouse-native-v2";
/** The format of backups taken before v2; restore still reads it. */
export const CLICKHOUSE_FORMAT_V1 = "clickhouse-native-v1";
/** Every format restore reads. */
export const READABLE_CLICKHOUSE_FORMATS: readonly string[] = [CLICKHOUSE_FORMAT, CLICKHOUSE_FORMAT_V1];
const V1_MAGIC = Buffer.from("BERTH-CLICKHOUSE-DUMP-1\n");
const TABLE = "T";
const NATIVE = "N";
const V1_END = 0x45; // "E"
/** Largest data chunk; readers refuse bigger ones as corrupt. */
const MAX_CHUNK = FRAME_CHUNK;
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

/** Encodes one v2 artifact: `header`, per table `table` (then `data` pieces and `endOfData`), `end`. */
export class DumpWriter {
  private readonly frames = new FrameEncoder(CLICKHOUSE_FORMAT);

  header(header: DumpHeader): Buffer {
    return this.frames.start({ ...header });
  }

  table(record: TableRecord): Buffer {
    return this.frames.json(TABLE, record);
  }

  /** A piece of the current table's Native bytes, as frames of at most 1 MiB. */
  data(piece: Buffer): Buffer[] {
    return this.frames.chunks(NATIVE, piece);
  }

  endOfData(): Buffer {
    return this.frames.close(NATIVE);
  }

  end(): Buffer {
    return this.frames.end();
  }
}

export interface ArtifactTable {
  record: TableRecord;
  /** The table's Native bytes; read it to the end (or not at all) before asking for the next table. */
  data: AsyncIterable<Buffer>;
}

/**
 * Reads an artifact of `format` (as the backup recorded it): the header, then
 * each table with its data as a stream. Throws ProviderError("corrupt_artifact")
 * on a wrong magic, malformed record, truncation or bytes after the end.
 */
export async function* readArtifact(source: AsyncIterable<Buffer | Uint8Array | string>, format: string): AsyncGenerator<DumpHeader | ArtifactTable> {
  if (format === CLICKHOUSE_FORMAT_V1) {
    yield* readV1(source);
    return;
  }
  if (format !== CLICKHOUSE_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${format}; expected ${READABLE_CLICKHOUSE_FORMATS.join(" or ")}`);
  const frames = await FrameReader.open(source, CLICKHOUSE_FORMAT, { maxFrame: MAX_JSON });
  const header = frames.header;
  if (!["database", "serverVersion", "dataFormat"].every((key) => key in header)) throw frames.corrupt("the header lacks required fields");
  yield header as unknown as DumpHeader;
  for (let frame = await frames.next(); frame; frame = await frames.next()) {
    if (frame.tag !== TABLE) throw frames.corrupt("unknown record type");
    const record = parseRecord(frame.payload, (message) => frames.corrupt(message));
    let done = !record.data;
    const data = async function* () {
      if (done) return;
      for await (const piece of frames.run(NATIVE, `the data of table ${record.table}`)) yield piece;
      done = true;
    };
    const stream = data();
    yield { record, data: stream };
    // Skips whatever the consumer left unread.
    for await (const chunk of stream) void chunk;
  }
}

/** Reads the v1 framing, this provider's own before the SDK's container. */
async function* readV1(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<DumpHeader | ArtifactTable> {
  const reader = new ByteReader(source, CLICKHOUSE_FORMAT_V1);
  const magic = await reader.readExact(V1_MAGIC.length, "the header");
  if (!magic.equals(V1_MAGIC)) throw reader.corrupt("not a Berth ClickHouse dump");
  const header = parseJson(await reader.readExact(await readLength(reader, MAX_JSON), "the header"), (message) => reader.corrupt(message));
  if (!["database", "serverVersion", "dataFormat"].every((key) => key in header)) throw reader.corrupt("a record lacks required fields");
  yield header as unknown as DumpHeader;
  for (;;) {
    const [tag] = await reader.readExact(1, "a record tag");
    if (tag === V1_END) break;
    if (tag !== TABLE.charCodeAt(0)) throw reader.corrupt("unknown record type");
    const record = parseRecord(await reader.readExact(await readLength(reader, MAX_JSON), "a table record"), (message) => reader.corrupt(message));
    let done = !record.data;
    const data = async function* () {
      while (!done) {
        const size = await readLength(reader, MAX_CHUNK);
        if (size === 0) done = true;
        else yield await reader.readExact(size, "table data");
      }
    };
    yield { record, data: data() };
    for await (const chunk of data()) void chunk;
  }
  if (!(await reader.isAtEnd())) throw reader.corrupt("data after the end marker");
}

async function readLength(reader: ByteReader, max: number): Promise<number> {
  const size = (await reader.readExact(4, "a length")).readUInt32BE(0);
  if (size > max) throw reader.corrupt("a record is larger than the format allows");
  return size;
}

function parseRecord(bytes: Buffer, corrupt: (message: string) => Error): TableRecord {
  const record = parseJson(bytes, corrupt);
  if (!["table", "engine", "data"].every((key) => key in record)) throw corrupt("a record lacks required fields");
  return record as unknown as TableRecord;
}

function parseJson(bytes: Buffer, corrupt: (message: string) => Error): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw corrupt("a record is not valid JSON");
  }
  if (typeof value !== "object" || value === null) throw corrupt("a record is not a JSON object");
  return value as Record<string, unknown>;
}
