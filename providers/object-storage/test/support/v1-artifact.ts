import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { openArtifact, OBJECTS_FORMAT, OBJECTS_FORMAT_V1 } from "../../src/artifact-format.js";

/**
 * Rewrites a current artifact in the s3-objects-v1 framing, byte for byte as
 * the v1 writer (before the SDK's framed-record container) produced it, so a
 * test can check that backups taken then still restore.
 */
export async function toV1Artifact(current: Buffer): Promise<Buffer> {
  const framed = (tag: number | undefined, json: unknown): Buffer => {
    const body = Buffer.from(JSON.stringify(json), "utf8");
    const head = Buffer.alloc(tag === undefined ? 4 : 5);
    if (tag !== undefined) head.writeUInt8(tag, 0);
    head.writeUInt32BE(body.length, tag === undefined ? 0 : 1);
    return Buffer.concat([head, body]);
  };
  const reader = await openArtifact(Readable.from([current]), OBJECTS_FORMAT);
  const { bucket, prefix, createdAt } = reader.header;
  const out = [Buffer.from("BERTH-S3-OBJECTS-1\n"), framed(undefined, { format: OBJECTS_FORMAT_V1, bucket, prefix, createdAt })];
  let count = 0;
  for (let object = await reader.next(); object; object = await reader.next()) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64BE(BigInt(object.entry.size));
    out.push(framed(0x4f, object.entry), size);
    const hash = createHash("sha256");
    for await (const piece of object.body) {
      hash.update(piece);
      out.push(piece);
    }
    const digest = await object.digest();
    if (!digest.equals(hash.digest())) throw new Error("the current artifact's digest does not match its body");
    out.push(digest);
    count++;
  }
  const end = Buffer.alloc(9);
  end.writeUInt8(0x45, 0);
  end.writeBigUInt64BE(BigInt(count), 1);
  out.push(end);
  return Buffer.concat(out);
}
