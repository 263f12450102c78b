import { Readable } from "node:stream";
import { FrameEncoder } from "@berth/provider-sdk";
import { OPENSEARCH_FORMAT, readDump, type DumpRecord } from "../src/dump-format.js";

/** One record in the opensearch-ndjson-v1 form: a JSON line. */
export function encodeV1Record(record: DumpRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/**
 * Records in the current (v2) framing, header first, as they stand: unlike the
 * provider's writer this also encodes malformed sequences, for reader tests.
 */
export function encodeV2Records(records: DumpRecord[]): Buffer {
  const frames = new FrameEncoder(OPENSEARCH_FORMAT);
  const [first, ...rest] = records;
  const out = [first?.type === "header" ? frames.start({ prefix: first.prefix }) : frames.start({})];
  for (const record of first?.type === "header" ? rest : records) out.push(frames.json("R", record));
  out.push(frames.end());
  return Buffer.concat(out);
}

/** The records of a current artifact. */
export async function recordsOf(artifact: Buffer): Promise<DumpRecord[]> {
  const records: DumpRecord[] = [];
  for await (const { record } of readDump(Readable.from([artifact]), OPENSEARCH_FORMAT)) records.push(record);
  return records;
}

/** A current artifact rewritten as opensearch-ndjson-v1, as backups before v2 were written. */
export async function toV1Artifact(artifact: Buffer): Promise<Buffer> {
  return Buffer.from((await recordsOf(artifact)).map(encodeV1Record).join(""));
}
