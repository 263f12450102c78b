import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalArtifactStore, type ArtifactStore } from "../src/artifacts/artifact-store.js";
import { S3ArtifactStore } from "../src/artifacts/s3-artifact-store.js";
import { ArtifactCorruptError, createOpenStream, createSealStream } from "../src/artifacts/sealed-stream.js";

const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-artifacts-test-"));
  dirs.push(dir);
  return dir;
};
let s3: S3rver;
let s3Endpoint = "";

beforeAll(async () => {
  // s3rver speaks the S3 protocol (no MinIO can run here); the store uses the real AWS SDK against it.
  s3 = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: temp(), configureBuckets: [{ name: "berth-artifacts" }] });
  const { port } = await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await s3?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const stores: Array<[string, () => ArtifactStore]> = [
  ["local directory", () => new LocalArtifactStore(temp())],
  ["S3 (s3rver)", () => new S3ArtifactStore({ endpoint: s3Endpoint, region: "us-east-1", bucket: "berth-artifacts", prefix: "t/", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" })],
];

describe.each(stores)("artifact store: %s", (_name, make) => {
  it("publishes an artifact only when committed whole, with its size and SHA-256", async () => {
    const store = make();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const writer = await store.writer("bkp_one.artifact");
    expect(await store.exists("bkp_one.artifact")).toBe(false);
    await pipeline(Readable.from([data]), writer.stream);
    const info = await writer.commit();
    expect(info.sizeBytes).toBe(data.length);
    expect(await store.exists("bkp_one.artifact")).toBe(true);
    expect(await store.checksum("bkp_one.artifact")).toBe(info.sha256);
    expect((await readAll(store.reader("bkp_one.artifact"))).equals(data)).toBe(true);
    await store.delete("bkp_one.artifact");
    expect(await store.exists("bkp_one.artifact")).toBe(false);
  });

  it("leaves nothing behind when a write is aborted", async () => {
    const store = make();
    const writer = await store.writer("bkp_two.artifact");
    writer.stream.write(randomBytes(1024));
    await writer.abort();
    expect(await store.exists("bkp_two.artifact")).toBe(false);
  });
});

describe("artifact store: partial writes of a dead job (local directory)", () => {
  // s3rver answers NotImplemented to ListMultipartUploads, so the S3 store's listPartials and
  // removePartials (ListMultipartUploads + AbortMultipartUpload) cannot be exercised here.
  it("lists and removes a `.partial` left by a write that never committed, keeping finished artifacts", async () => {
    const store = new LocalArtifactStore(temp());
    const done = await store.writer("bkp_done.artifact");
    await pipeline(Readable.from([randomBytes(1024)]), done.stream);
    await done.commit();
    const dead = await store.writer("bkp_dead.artifact");
    dead.stream.write(randomBytes(64 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.listPartials("bkp_dead.artifact")).toHaveLength(1);
    expect(await store.listPartials("bkp_done.artifact")).toEqual([]);
    expect(await store.removePartials("bkp_dead.artifact")).toBe(1);
    expect(await store.listPartials("bkp_dead.artifact")).toEqual([]);
    expect(await store.exists("bkp_done.artifact")).toBe(true);
    dead.stream.destroy();
  });
});

describe("sealed artifact stream", () => {
  const key = randomBytes(32);
  const seal = async (data: Buffer) => readAll(Readable.from([data]).pipe(createSealStream(key, "artifact:bkp_x")));

  it("round-trips and hides the plaintext", async () => {
    const data = Buffer.concat([Buffer.from("SECRET-MARKER"), randomBytes(2_500_000)]);
    const sealed = await seal(data);
    expect(sealed.includes(Buffer.from("SECRET-MARKER"))).toBe(false);
    expect((await readAll(Readable.from([sealed]).pipe(createOpenStream(key, "artifact:bkp_x")))).equals(data)).toBe(true);
  });

  it("detects a flipped byte, truncation, and use under another backup's context", async () => {
    const sealed = await seal(randomBytes(2_500_000));
    const open = (bytes: Buffer, context = "artifact:bkp_x") => pipeline(Readable.from([bytes]), createOpenStream(key, context), async function* (source) {
      for await (const chunk of source) yield chunk;
    });
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 100] ^= 1;
    await expect(open(flipped)).rejects.toBeInstanceOf(ArtifactCorruptError);
    const firstChunk = 4 + 1 + 12 + 1024 * 1024 + 16;
    await expect(open(sealed.subarray(0, firstChunk))).rejects.toThrow(/truncated/);
    await expect(open(sealed, "artifact:bkp_other")).rejects.toBeInstanceOf(ArtifactCorruptError);
  });
});
