import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealizeResult } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { createObjectStorageProvider, objectStorageProvider, OBJECTS_FORMAT } from "../src/index.js";
import { s3For } from "./support/s3-client.js";
import { toV1Artifact } from "./support/v1-artifact.js";
import { startS3Target } from "./support/s3-target.js";

const target = await startS3Target();
const signal = new AbortController().signal;
const kind = "object-storage";
const dependencyId = `dep_bkp${randomBytes(3).toString("hex")}`;
const MiB = 1024 * 1024;

/** The objects of the restore point: binary, with metadata, empty, slashes and unicode, 20 MiB. */
const OBJECTS: Array<Omit<PutObjectCommandInput, "Bucket" | "Body"> & { Key: string; Body: Buffer }> = [
  { Key: "bin/random.bin", Body: randomBytes(256 * 1024), ContentType: "application/octet-stream" },
  {
    Key: "meta/report.json",
    Body: Buffer.from('{"ok":true}'),
    ContentType: "application/json",
    CacheControl: "max-age=60",
    ContentDisposition: 'attachment; filename="report.json"',
    ContentLanguage: "de",
    Metadata: { owner: "team-a", "trace-id": "abc-123" },
  },
  { Key: "empty", Body: Buffer.alloc(0) },
  { Key: "dir/sub/файл ü 🚀 a+b.txt", Body: Buffer.from("unicode key, text body ✓") , ContentType: "text/plain; charset=utf-8" },
  { Key: "big/20mb.bin", Body: randomBytes(20 * MiB) },
];

let dep: RealizeResult;
let workdir: string;
let artifactPath: string;

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function put(object: (typeof OBJECTS)[number]): Promise<void> {
  const client = s3For(dep.connectionUrl);
  try {
    await client.send(new PutObjectCommand({ Bucket: dep.metadata.bucket, ...object }));
  } finally {
    client.destroy();
  }
}

/** Key → what a user would compare: body digest, size, content headers, user metadata. */
async function snapshot(prefix = ""): Promise<Record<string, unknown>> {
  const client = s3For(dep.connectionUrl);
  const out: Record<string, unknown> = {};
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: dep.metadata.bucket, Prefix: prefix || undefined }));
    for (const { Key } of listed.Contents ?? []) {
      const object = await client.send(new GetObjectCommand({ Bucket: dep.metadata.bucket, Key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      out[Key!] = {
        sha256: sha(body),
        size: body.length,
        contentType: object.ContentType,
        cacheControl: object.CacheControl,
        contentDisposition: object.ContentDisposition,
        contentLanguage: object.ContentLanguage,
        metadata: object.Metadata,
      };
    }
  } finally {
    client.destroy();
  }
  return out;
}

async function backupTo(path: string, connectionUrl = dep.connectionUrl, metadata = dep.metadata): Promise<void> {
  const sink = createWriteStream(path);
  const result = await objectStorageProvider.backup!({ kind, connectionUrl, metadata, sink, signal });
  await finished(sink);
  expect(result.format).toBe(OBJECTS_FORMAT);
}

beforeAll(async () => {
  workdir = await mkdtemp(join(tmpdir(), "berth-s3-backup-"));
  artifactPath = join(workdir, "artifact.bin");
  dep = await objectStorageProvider.realize!({ dependencyId, name: "backup", kind, target: { name: "t", kind, adminUrl: target.adminUrl }, signal });
  for (const object of OBJECTS) await put(object);
});

afterAll(async () => {
  if (dep) await objectStorageProvider.release!({ dependencyId, kind, target: { name: "t", kind, adminUrl: target.adminUrl }, metadata: dep.metadata, signal });
  if (workdir) await rm(workdir, { recursive: true, force: true });
  await target.stop();
});

describe(`object-storage backup and restore (${target.description})`, () => {
  let before: Record<string, unknown>;

  it("restores binary, empty, unicode-keyed and 20 MiB objects with their metadata, and removes objects created after the backup", async () => {
    before = await snapshot();
    expect(Object.keys(before).sort()).toEqual(OBJECTS.map((o) => o.Key).sort());
    expect(before["meta/report.json"]).toMatchObject({ cacheControl: "max-age=60", contentLanguage: "de", metadata: { owner: "team-a", "trace-id": "abc-123" } });
    await backupTo(artifactPath);

    // Change everything a user could: overwrite, change metadata, delete, add.
    await put({ Key: "bin/random.bin", Body: randomBytes(1000) });
    await put({ Key: "meta/report.json", Body: Buffer.from("{}"), ContentType: "text/plain", Metadata: { owner: "someone-else" } });
    await put({ Key: "new/after-backup.txt", Body: Buffer.from("must disappear") });
    const client = s3For(dep.connectionUrl);
    await client.send(new DeleteObjectCommand({ Bucket: dep.metadata.bucket, Key: "big/20mb.bin" }));
    await client.send(new DeleteObjectCommand({ Bucket: dep.metadata.bucket, Key: "empty" }));
    client.destroy();
    expect(await snapshot()).not.toEqual(before);

    await objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: createReadStream(artifactPath), format: OBJECTS_FORMAT, signal });
    expect(await snapshot()).toEqual(before);
    // Restoring again (a retried job) changes nothing.
    await objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: createReadStream(artifactPath), format: OBJECTS_FORMAT, signal });
    expect(await snapshot()).toEqual(before);
  });

  it("restores large objects through multipart uploads when they pass the threshold", async () => {
    const multipart = createObjectStorageProvider({ upload: { multipartThreshold: 8 * MiB, partSize: 5 * MiB } });
    const client = s3For(dep.connectionUrl);
    await client.send(new DeleteObjectCommand({ Bucket: dep.metadata.bucket, Key: "big/20mb.bin" }));
    client.destroy();
    await multipart.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: createReadStream(artifactPath), format: OBJECTS_FORMAT, signal });
    expect(await snapshot()).toEqual(before);
  });

  it("refuses garbage, truncated, tampered and unterminated artifacts as corrupt_artifact", async () => {
    const artifact = await readFile(artifactPath);
    const bigAt = artifact.indexOf(Buffer.from('"key":"big/20mb.bin"'));
    expect(bigAt).toBeGreaterThan(0);
    const tampered = Buffer.from(artifact);
    tampered[bigAt + 1000] ^= 0xff; // inside the 20 MiB body
    const cases: Record<string, Buffer> = {
      garbage: randomBytes(4096),
      empty: Buffer.alloc(0),
      "truncated inside a body": artifact.subarray(0, bigAt + 5 * MiB),
      "without the end marker": artifact.subarray(0, artifact.length - 9),
      "with a body that does not match its digest": tampered,
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const error = await providerErrorOf(
        objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([bytes]), format: OBJECTS_FORMAT, signal }),
      );
      expect(error.code, `${name}: ${error.message}`).toBe("corrupt_artifact");
    }
    // A good artifact still brings everything back after the failed attempts.
    await objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: createReadStream(artifactPath), format: OBJECTS_FORMAT, signal });
    expect(await snapshot()).toEqual(before);
  });

  it("still restores an artifact in the v1 format that backups before v2 wrote, and refuses a truncated one", async () => {
    const v1 = await toV1Artifact(await readFile(artifactPath));
    expect(v1.subarray(0, 19).toString()).toBe("BERTH-S3-OBJECTS-1\n");
    await put({ Key: "meta/report.json", Body: Buffer.from("{}"), ContentType: "text/plain" });
    await put({ Key: "new/after-backup.txt", Body: Buffer.from("must disappear") });
    expect(await snapshot()).not.toEqual(before);
    await objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([v1]), format: "s3-objects-v1", signal });
    expect(await snapshot()).toEqual(before);
    const truncated = providerErrorOf(
      objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([v1.subarray(0, v1.length - 9)]), format: "s3-objects-v1", signal }),
    );
    expect((await truncated).code).toBe("corrupt_artifact");
    await objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: createReadStream(artifactPath), format: OBJECTS_FORMAT, signal });
  });

  it("stops a backup cancelled part-way with a typed error", async () => {
    const controller = new AbortController();
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > 2 * MiB) controller.abort();
        callback();
      },
    });
    const error = await providerErrorOf(objectStorageProvider.backup!({ kind, connectionUrl: dep.connectionUrl, metadata: dep.metadata, sink, signal: controller.signal }));
    expect(error.message).toMatch(/cancelled/);
    expect(seen).toBeLessThan(30 * MiB);
  });

  it("refuses to back up or restore a bucket other than the one the dependency owns", async () => {
    const other = { ...dep.metadata, bucket: "berth-dep-someoneelse" };
    const sink = createWriteStream(join(workdir, "never.bin"));
    expect((await providerErrorOf(objectStorageProvider.backup!({ kind, connectionUrl: dep.connectionUrl, metadata: other, sink, signal }))).code).toBe("invalid_input");
    sink.destroy();
    const source = createReadStream(artifactPath);
    const restoring = objectStorageProvider.restore!({ kind, connectionUrl: dep.connectionUrl, metadata: other, source, format: OBJECTS_FORMAT, signal });
    expect((await providerErrorOf(restoring)).code).toBe("invalid_input");
    source.destroy();
  });

  it("confines backup and restore to the key prefix of a connection URL that names one", async () => {
    for (const key of ["tenant-a/one.txt", "tenant-a/deep/two.txt", "tenant-b/other.txt", "tenant-ab/lookalike.txt"]) await put({ Key: key, Body: Buffer.from(key) });
    const prefixed = new URL(dep.connectionUrl);
    prefixed.pathname = `/${dep.metadata.bucket}/tenant-a`;
    const connectionUrl = prefixed.toString();
    const metadata = objectStorageProvider.describeConnection(kind, connectionUrl).metadata;
    expect(metadata.prefix).toBe("tenant-a");
    const path = join(workdir, "tenant-a.bin");
    await backupTo(path, connectionUrl, metadata);
    const artifact = await readFile(path);
    expect(artifact.includes(Buffer.from("tenant-b/other.txt"))).toBe(false);
    expect(artifact.includes(Buffer.from("tenant-ab/lookalike.txt"))).toBe(false);

    await put({ Key: "tenant-a/new.txt", Body: Buffer.from("after the backup") });
    await put({ Key: "tenant-a/one.txt", Body: Buffer.from("changed") });
    const outside = await snapshot("tenant-b/");
    await objectStorageProvider.restore!({ kind, connectionUrl, metadata, source: createReadStream(path), format: OBJECTS_FORMAT, signal });
    const after = await snapshot();
    expect(Object.keys(after).filter((k) => k.startsWith("tenant-a/")).sort()).toEqual(["tenant-a/deep/two.txt", "tenant-a/one.txt"]);
    expect(after["tenant-a/one.txt"]).toMatchObject({ sha256: sha(Buffer.from("tenant-a/one.txt")) });
    expect(after["tenant-ab/lookalike.txt"]).toBeDefined();
    expect(await snapshot("tenant-b/")).toEqual(outside);
  });
});
