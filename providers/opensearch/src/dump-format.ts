import { ProviderError } from "@berth/provider-sdk";

/**
 * Berth's OpenSearch artifact format ("opensearch-ndjson-v1"): one JSON object
 * per line, each ending in "\n".
 *
 *   {"type":"header","magic":"BERTH-OPENSEARCH-DUMP","version":1,"prefix":"berth_dep_x_"}
 *   {"type":"index","name":"berth_dep_x_orders","settings":{…},"mappings":{…},"aliases":{…}}
 *   {"type":"doc","index":"berth_dep_x_orders","id":"1","routing":"r","source":{…}}   (routing optional)
 *   …more docs of that index, then the next index record…
 *   {"type":"end","indices":1,"documents":1}
 *
 * Documents follow their index's record. The end record repeats the counts, so
 * a truncated or spliced artifact is detected before anything is restored.
 */
export const OPENSEARCH_FORMAT = "opensearch-ndjson-v1";
const MAGIC = "BERTH-OPENSEARCH-DUMP";
const VERSION = 1;

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

export function encodeRecord(record: DumpRecord): string {
  return `${JSON.stringify(record)}\n`;
}

function corrupt(message: string): ProviderError {
  return new ProviderError("corrupt_artifact", `not a valid ${OPENSEARCH_FORMAT} artifact: ${message}`);
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
  if (pending.length > 0) throw corrupt("it ends in the middle of a record (truncated)");
}

/**
 * Parses and checks an artifact record by record, with each record's raw line
 * (for spooling). Throws corrupt_artifact on a bad header, a malformed or
 * out-of-order record, counts that do not match, or a missing end record.
 */
export async function* readDump(source: AsyncIterable<Buffer | string>): AsyncGenerator<{ record: DumpRecord; line: string }> {
  let header: HeaderRecord | undefined;
  let current: string | undefined;
  const seen = new Set<string>();
  let documents = 0;
  let ended = false;
  for await (const line of lines(source)) {
    if (ended) {
      if (line.trim() === "") continue;
      throw corrupt("there is data after the end record");
    }
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      throw corrupt(header ? `record ${seen.size + documents + 2} is not JSON` : "it does not start with a Berth OpenSearch dump header");
    }
    if (!isObject(record)) throw corrupt("a record is not a JSON object");
    if (!header) {
      if (record.type !== "header" || record.magic !== MAGIC) throw corrupt("it does not start with a Berth OpenSearch dump header");
      if (record.version !== VERSION) throw corrupt(`dump version ${String(record.version)} is not supported (expected ${VERSION})`);
      if (typeof record.prefix !== "string" || record.prefix === "") throw corrupt("the header has no index prefix");
      header = record as unknown as HeaderRecord;
      yield { record: header, line };
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
    yield { record: record as unknown as DumpRecord, line };
  }
  if (!header) throw corrupt("it is empty");
  if (!ended) throw corrupt("it has no end record (truncated)");
}
