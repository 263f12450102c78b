import { FrameEncoder, FrameReader, ProviderError } from "@berth/provider-sdk";

/**
 * Berth's OpenSearch artifact. Its records, in order:
 *
 *   {"type":"header","magic":"BERTH-OPENSEARCH-DUMP","version":1,"prefix":"berth_dep_x_"}
 *   {"type":"index","name":"berth_dep_x_orders","settings":{…},"mappings":{…},"aliases":{…}}
 *   {"type":"doc","index":"berth_dep_x_orders","id":"1","routing":"r","source":{…}}   (routing optional)
 *   …more docs of that index, then the next index record…
 *   {"type":"end","indices":1,"documents":1}
 *
 * Documents follow their index's record. The end record repeats the counts, so
 * a truncated or spliced artifact is detected before anything is restored.
 *
 * Written as "opensearch-records-v2", in the SDK's framed-record container: the
 * container header carries `prefix`, every other record is one "R" frame of
 * JSON. "opensearch-ndjson-v1" (one JSON record per line, each ending in "\n")
 * is still read, so older backups restore.
 */
export const OPENSEARCH_FORMAT = "opensearch-records-v2";
/** The format of backups taken before v2; restore still reads it. */
export const OPENSEARCH_FORMAT_V1 = "opensearch-ndjson-v1";
/** Every format restore reads. */
export const READABLE_OPENSEARCH_FORMATS: readonly string[] = [OPENSEARCH_FORMAT, OPENSEARCH_FORMAT_V1];
const MAGIC = "BERTH-OPENSEARCH-DUMP";
const VERSION = 1;
const RECORD = "R";
/** A document's source may be large; OpenSearch's own default limit on a request is 100 MiB. */
const MAX_RECORD = 128 << 20;

export interface HeaderRecord {
  type: "header";
  magic: typeof MAGIC;
  version: typeof VERSION;
  /** The index prefix the dump was taken under; restore maps it to the target's. */
  prefix: string;
}
export interface IndexRecord {
  type: "index";
  name: string;
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
  aliases: Record<string, unknown>;
}
export interface DocRecord {
  type: "doc";
  index: string;
  id: string;
  routing?: string;
  source: Record<string, unknown>;
}
export interface EndRecord {
  type: "end";
  indices: number;
  documents: number;
}
export type DumpRecord = HeaderRecord | IndexRecord | DocRecord | EndRecord;

export function headerRecord(prefix: string): HeaderRecord {
  return { type: "header", magic: MAGIC, version: VERSION, prefix };
}

/** Encodes one v2 artifact: `start`, then index and doc records, then the end record via `end`. */
export class DumpWriter {
  private readonly frames = new FrameEncoder(OPENSEARCH_FORMAT);

  start(prefix: string): Buffer {
    return this.frames.start({ prefix });
  }

  record(record: IndexRecord | DocRecord): Buffer {
    return this.frames.json(RECORD, record);
  }

  /** The end record with its counts, and the container's end. */
  end(indices: number, documents: number): Buffer {
    return Buffer.concat([this.frames.json(RECORD, { type: "end", indices, documents } satisfies EndRecord), this.frames.end()]);
  }
}


const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Splits a byte stream into lines; a last line without "\n" means the stream was cut. */
async function* lines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  for await (const piece of source) {
    let chunk = typeof piece === "string" ? Buffer.from(piece) : piece;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a)) {
      pending.push(chunk.subarray(0, newline));
      yield Buffer.concat(pending).toString("utf8");
      pending = [];
      chunk = chunk.subarray(newline + 1);
    }
    if (chunk.length > 0) pending.push(chunk);
  }
  if (pending.length > 0) throw new ProviderError("corrupt_artifact", `not a valid ${OPENSEARCH_FORMAT_V1} artifact: it ends in the middle of a record (truncated)`);
}

/** The records of an artifact of `format`, as parsed JSON (or undefined where a record is not JSON). */
async function* recordsOf(source: AsyncIterable<Buffer | string>, format: string): AsyncGenerator<{ parsed: unknown; isJson: boolean }> {
  const parse = (text: string) => {
    try {
      return { parsed: JSON.parse(text) as unknown, isJson: true };
    } catch {
      return { parsed: undefined, isJson: false };
    }
  };
  if (format === OPENSEARCH_FORMAT_V1) {
    let ended = false;
    for await (const line of lines(source)) {
      const { parsed, isJson } = parse(line);
      if (ended && line.trim() === "") continue;
      ended ||= isJson && (parsed as { type?: unknown } | null)?.type === "end";
      yield { parsed, isJson };
    }
    return;
  }
  if (format !== OPENSEARCH_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${format}; expected ${READABLE_OPENSEARCH_FORMATS.join(" or ")}`);
  const frames = await FrameReader.open(source, OPENSEARCH_FORMAT, { maxFrame: MAX_RECORD });
  yield { parsed: headerRecord(String(frames.header.prefix ?? "")), isJson: true };
  for (let frame = await frames.next(); frame; frame = await frames.next()) {
    if (frame.tag !== RECORD) throw frames.corrupt("a frame is not a record");
    yield parse(frame.payload.toString("utf8"));
  }
}

/**
 * Parses and checks an artifact of `format` (as the backup recorded it)
 * record by record. Throws corrupt_artifact on a bad header, a malformed or
 * out-of-order record, counts that do not match, or a missing end record.
 */
export async function* readDump(source: AsyncIterable<Buffer | string>, format: string): AsyncGenerator<{ record: DumpRecord }> {
  let header: HeaderRecord | undefined;
  let current: string | undefined;
  const seen = new Set<string>();
  let documents = 0;
  let ended = false;
  const corrupt = (message: string) => new ProviderError("corrupt_artifact", `not a valid ${format} artifact: ${message}`);
  for await (const { parsed: record, isJson } of recordsOf(source, format)) {
    if (ended) throw corrupt("there is data after the end record");
    if (!isJson) throw corrupt(header ? `record ${seen.size + documents + 2} is not JSON` : "it does not start with a Berth OpenSearch dump header");
    if (!isObject(record)) throw corrupt("a record is not a JSON object");
    if (!header) {
      if (record.type !== "header" || record.magic !== MAGIC) throw corrupt("it does not start with a Berth OpenSearch dump header");
      if (record.version !== VERSION) throw corrupt(`dump version ${String(record.version)} is not supported (expected ${VERSION})`);
      if (typeof record.prefix !== "string" || record.prefix === "") throw corrupt("the header has no index prefix");
      header = record as unknown as HeaderRecord;
      yield { record: header };
      continue;
    }
    switch (record.type) {
      case "index": {
        const { name, settings, mappings, aliases } = record;
        if (typeof name !== "string" || !name.startsWith(header.prefix)) throw corrupt("an index record names an index outside the dump's prefix");
        if (!isObject(settings) || !isObject(mappings) || !isObject(aliases)) throw corrupt(`index ${name} lacks settings, mappings or aliases`);
        if (seen.has(name)) throw corrupt(`index ${name} appears twice`);
        seen.add(name);
        current = name;
        break;
      }
      case "doc": {
        if (record.index !== current) throw corrupt("a document record does not follow its index record");
        if (typeof record.id !== "string" || record.id === "") throw corrupt(`a document of ${current} has no id`);
        if (record.routing !== undefined && typeof record.routing !== "string") throw corrupt(`document ${record.id} has a malformed routing`);
        if (!isObject(record.source)) throw corrupt(`document ${record.id} has no source`);
        documents++;
        break;
      }
      case "end":
        if (record.indices !== seen.size || record.documents !== documents) {
          throw corrupt(`the end record counts ${String(record.indices)} indices and ${String(record.documents)} documents, the artifact holds ${seen.size} and ${documents}`);
        }
        ended = true;
        break;
      default:
        throw corrupt(`unknown record type ${JSON.stringify(String(record.type)).slice(0, 40)}`);
    }
    yield { record: record as unknown as DumpRecord };
  }
  if (!header) throw corrupt("it is empty");
  if (!ended) throw corrupt("it has no end record (truncated)");
}
