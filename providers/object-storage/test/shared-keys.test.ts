import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { RealizeResult } from "@berth/provider-sdk";
import { providerErrorOf } from "@berth/provider-sdk/conformance";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { bucketNameFor, objectStorageProvider } from "../src/index.js";
import { deliveredConnectionUrl } from "../src/connection.js";
import { bucketPolicy, minioUserFor } from "../src/minio/admin.js";
import { parseTarget } from "../src/target.js";
import { getText, putText, s3For } from "./support/s3-client.js";
import { startS3Target } from "./support/s3-target.js";

const target = await startS3Target();
const signal = new AbortController().signal;
const run = randomBytes(3).toString("hex");
const kind = "object-storage";
const realized: Array<{ id: string; result: RealizeResult }> = [];

async function realize(suffix: string, adminUrl = target.adminUrl, publicHost?: string): Promise<RealizeResult> {
  const id = `dep_keys${run}${suffix}`;
  const result = await objectStorageProvider.realize!({ dependencyId: id, name: suffix, kind, target: { name: "t", kind, adminUrl, publicHost }, signal });
  realized.push({ id, result });
  return result;
}

function withParams(adminUrl: string, edit: (url: URL) => void): string {
  const url = new URL(adminUrl);
  edit(url);
  return url.toString();
}

afterAll(async () => {
  for (const { id, result } of realized) {
    await objectStorageProvider.release!({ dependencyId: id, kind, target: { name: "t", kind, adminUrl: target.adminUrl }, metadata: result.metadata, signal });
  }
  await target.stop();
});

describe.skipIf(target.isIsolating)(`isolation=none on ${target.description}`, () => {
  it("hands every dependency the target's own keys, so B's connection reads and overwrites A's bucket (no isolation)", async () => {
    const a = await realize("a");
    const b = await realize("b");
    expect(a.metadata.isolation).toBe("none");
    expect(b.metadata.access_key_id).toBe(a.metadata.access_key_id);
    expect(b.metadata.bucket).not.toBe(a.metadata.bucket);
    await putText(a.connectionUrl, a.metadata.bucket, "k", "written by A");
    // What the conformance kit's isolation check would refuse: B's keys reach A's data.
    expect(await getText(b.connectionUrl, a.metadata.bucket, "k")).toBe("written by A");
    await putText(b.connectionUrl, a.metadata.bucket, "k", "overwritten by B");
    expect(await getText(a.connectionUrl, a.metadata.bucket, "k")).toBe("overwritten by B");
  });
});

describe(`two dependencies on ${target.description}`, () => {
  it("backing up, restoring and releasing A leave B's bucket alone", async () => {
    const a = await realize("e");
    const b = await realize("f");
    await putText(a.connectionUrl, a.metadata.bucket, "k", "A before");
    await putText(b.connectionUrl, b.metadata.bucket, "k", "B");
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { format } = await objectStorageProvider.backup!({ kind, connectionUrl: a.connectionUrl, metadata: a.metadata, sink, signal });
    await putText(a.connectionUrl, a.metadata.bucket, "k", "A after");
    await putText(a.connectionUrl, a.metadata.bucket, "extra", "A extra");
    await objectStorageProvider.restore!({ kind, connectionUrl: a.connectionUrl, metadata: a.metadata, source: Readable.from([Buffer.concat(chunks)]), format, signal });
    expect(await getText(a.connectionUrl, a.metadata.bucket, "k")).toBe("A before");
    expect(await getText(a.connectionUrl, a.metadata.bucket, "extra")).toBeUndefined();
    expect(await getText(b.connectionUrl, b.metadata.bucket, "k")).toBe("B");
    await objectStorageProvider.release!({ dependencyId: `dep_keys${run}e`, kind, target: { name: "t", kind, adminUrl: target.adminUrl }, metadata: a.metadata, signal });
    expect(await getText(b.connectionUrl, b.metadata.bucket, "k")).toBe("B");
  });
});

describe(`object-storage target and delivered URL (${target.description})`, () => {
  it("delivers a URL the imported rules accept, naming endpoint, bucket, region and key id, and honours publicHost", async () => {
    const admin = new URL(target.adminUrl);
    // Another name for the same server, so the delivered URL still works from here.
    const publicHost = admin.hostname === "127.0.0.1" ? "localhost" : admin.hostname;
    const c = await realize("c", target.adminUrl, publicHost);
    const described = objectStorageProvider.describeConnection(kind, c.connectionUrl);
    const bucket = `berth-dep-keys${run}c`;
    const tls = admin.protocol !== "http:";
    expect(described.metadata).toMatchObject({
      endpoint: `${tls ? "https" : "http"}://${publicHost}:${admin.port || (tls ? "443" : "80")}`,
      host: publicHost,
      bucket,
      region: admin.searchParams.get("region") ?? "us-east-1",
      tls: String(tls),
      access_key_id: target.isIsolating ? minioUserFor(bucket) : decodeURIComponent(admin.username),
    });
    expect(described.maskedUrl).not.toContain(decodeURIComponent(admin.password));
    expect(c.metadata).toEqual({ ...described.metadata, isolation: admin.searchParams.get("isolation") });
    await putText(c.connectionUrl, c.metadata.bucket, "hello", "world");
    expect(await getText(c.connectionUrl, c.metadata.bucket, "hello")).toBe("world");
  });

  it("reads s3:// admin URLs as HTTPS endpoints and keeps percent-encoded secrets intact in the delivered URL", () => {
    const parsed = parseTarget("s3://AKIAEXAMPLE:se%2Fcr%2Bet@s3.eu-central-1.amazonaws.com/?region=eu-central-1&isolation=none");
    expect(parsed).toMatchObject({ endpoint: "https://s3.eu-central-1.amazonaws.com:443", region: "eu-central-1", accessKeyId: "AKIAEXAMPLE", secretAccessKey: "se/cr+et" });
    const delivered = deliveredConnectionUrl(parsed, "berth-dep-abc123", parsed);
    expect(new URL(delivered).password).toBe("se%2Fcr+et");
    expect(objectStorageProvider.describeConnection(kind, delivered).metadata).toMatchObject({
      endpoint: "https://s3.eu-central-1.amazonaws.com:443",
      bucket: "berth-dep-abc123",
      region: "eu-central-1",
      tls: "true",
    });
  });

  it("refuses an admin URL that does not choose an isolation mode, names a bucket or has unknown parameters", async () => {
    const secret = decodeURIComponent(new URL(target.adminUrl).password);
    for (const adminUrl of [
      withParams(target.adminUrl, (u) => u.searchParams.delete("isolation")),
      withParams(target.adminUrl, (u) => u.searchParams.set("isolation", "maybe")),
      withParams(target.adminUrl, (u) => (u.pathname = "/some-bucket")),
      withParams(target.adminUrl, (u) => u.searchParams.set("bucket", "x")),
      withParams(target.adminUrl, (u) => (u.password = "")),
    ]) {
      const error = await providerErrorOf(realize("x", adminUrl));
      expect(error.code).toBe("invalid_input");
      expect(error.field).toBe("admin_url");
      expect(error.message).not.toContain(secret);
    }
  });

  it.skipIf(!!process.env.BERTH_TEST_S3_URL)("isolation=minio-user on a server without MinIO's admin API fails as unsupported and creates no bucket", async () => {
    const error = await providerErrorOf(realize("m", withParams(target.adminUrl, (u) => u.searchParams.set("isolation", "minio-user"))));
    expect(error.code).toBe("unsupported");
    expect(error.message).toContain("MinIO's admin API");
    const admin = s3For(target.adminUrl);
    const exists = await admin.send(new HeadBucketCommand({ Bucket: bucketNameFor(`dep_keys${run}m`) })).then(
      () => true,
      () => false,
    );
    admin.destroy();
    expect(exists).toBe(false);
  });

  it("names MinIO users within MinIO's 20-character access keys, one per bucket, and confines their policy to the bucket", () => {
    const user = minioUserFor("berth-dep-" + "x".repeat(40));
    expect(user).toMatch(/^BERTH[A-Z2-7]{15}$/);
    expect(minioUserFor("berth-dep-a1")).toBe(minioUserFor("berth-dep-a1"));
    expect(minioUserFor("berth-dep-a1")).not.toBe(minioUserFor("berth-dep-a2"));
    expect(JSON.parse(bucketPolicy("berth-dep-a1")).Statement).toEqual([
      { Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::berth-dep-a1", "arn:aws:s3:::berth-dep-a1/*"] },
    ]);
  });

  it("probe: a bucket that is gone is database_missing, an unknown access key is authentication_failed", async () => {
    const d = await realize("d");
    await objectStorageProvider.release!({ dependencyId: `dep_keys${run}d`, kind, target: { name: "t", kind, adminUrl: target.adminUrl }, metadata: d.metadata, signal });
    expect((await providerErrorOf(objectStorageProvider.probe!({ kind, connectionUrl: d.connectionUrl, signal }))).code).toBe("database_missing");
    const unknownKey = withParams(d.connectionUrl, (u) => (u.username = "NOSUCHKEY"));
    const error = await providerErrorOf(objectStorageProvider.probe!({ kind, connectionUrl: unknownKey, signal }));
    expect(error.code).toBe("authentication_failed");
    expect(error.message).not.toContain(decodeURIComponent(new URL(d.connectionUrl).password));
  });
});
