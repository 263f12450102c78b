import { Readable } from "node:stream";
import { CLICKHOUSE_FORMAT, readArtifact } from "../src/dump-format.js";

/**
 * Rewrites a current artifact in the clickhouse-native-v1 framing, byte for
 * byte as the v1 writer (before the SDK's framed-record container) produced
 * it, so a test can check that backups taken then still restore.
 */
export async function toV1Artifact(current: Buffer): Promise<Buffer> {
  const lengthPrefixed = (data: Buffer) => {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(data.length);
    return Buffer.concat([size, data]);
  };
  const out: Buffer[] = [Buffer.from("BERTH-CLICKHOUSE-DUMP-1\n")];
  for await (const item of readArtifact(Readable.from([current]), CLICKHOUSE_FORMAT)) {
    if ("dataFormat" in item) {
      const { database, serverVersion, dataFormat } = item;
      out.push(lengthPrefixed(Buffer.from(JSON.stringify({ database, serverVersion, dataFormat }))));
      continue;
    }
    out.push(Buffer.from("T"), lengthPrefixed(Buffer.from(JSON.stringify(item.record))));
    if (!item.record.data) continue;
    for await (const chunk of item.data) out.push(lengthPrefixed(chunk));
    out.push(Buffer.alloc(4));
  }
  out.push(Buffer.from("E"));
  return Buffer.concat(out);
}
