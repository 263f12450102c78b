import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { isProviderError } from "@berth/provider-sdk";
import { headerRecord, OPENSEARCH_FORMAT, OPENSEARCH_FORMAT_V1, readDump, type DumpRecord } from "../src/dump-format.js";
import { encodeV1Record, encodeV2Records } from "./v1-artifact.js";

const header = headerRecord("berth_dep_x_");
const index: DumpRecord = { type: "index", name: "berth_dep_x_a", settings: { index: {} }, mappings: {}, aliases: {} };
const doc: DumpRecord = { type: "doc", index: "berth_dep_x_a", id: "1", source: { v: 1 } };

async function read(format: string, records: DumpRecord[], chunkSize = 7): Promise<unknown> {
  const bytes = format === OPENSEARCH_FORMAT_V1 ? Buffer.from(records.map(encodeV1Record).join("")) : encodeV2Records(records);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const seen: DumpRecord[] = [];
  try {
    for await (const { record } of readDump(Readable.from(chunks), format)) seen.push(record);
    return seen;
  } catch (error) {
    return isProviderError(error) ? error.code : error;
  }
}

describe.each([OPENSEARCH_FORMAT, OPENSEARCH_FORMAT_V1])("%s artifact checks", (format) => {
  it("reads records split across arbitrary chunk boundaries", async () => {
    const records: DumpRecord[] = [header, index, doc, { type: "end", indices: 1, documents: 1 }];
    expect(await read(format, records, 3)).toEqual(records);
  });

  it.each([
    ["a document before its index", [header, doc, index, { type: "end", indices: 1, documents: 1 }]],
    ["an index outside the header's prefix", [header, { ...index, name: "other_a" }, { type: "end", indices: 1, documents: 0 }]],
    ["end counts that do not match", [header, index, doc, { type: "end", indices: 1, documents: 2 }]],
    ["no end record", [header, index, doc]],
    ["no header", [index, doc, { type: "end", indices: 1, documents: 1 }]],
    ["a duplicated index", [header, index, index, { type: "end", indices: 2, documents: 0 }]],
  ] as Array<[string, DumpRecord[]]>)("rejects %s as corrupt_artifact", async (_label, records) => {
    expect(await read(format, records)).toBe("corrupt_artifact");
  });
});
