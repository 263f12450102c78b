import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { isProviderError, ProviderError, type BackupRequest, type BackupResult } from "@berth/provider-sdk";
import { ArtifactWriter, OBJECTS_FORMAT, type ObjectEntry } from "./artifact-format.js";
import { listKeys, type BucketContext } from "./bucket.js";
import { createS3Client, s3ErrorName, toProviderError } from "./client.js";
import { parseConnection } from "./connection.js";
import { ARTIFACT_VERSION, objectContent, S3_API_VERSION } from "./content.js";

/** The exporter's version, named in manifests as their tool. */
export const PROVIDER_VERSION = "0.1.0";

/** Writes with backpressure; sink failures become ProviderErrors so they are never mistaken for S3 errors. */
async function write(sink: Writable, chunk: Buffer, signal: AbortSignal): Promise<void> {
  if (sink.destroyed || sink.writableEnded) throw new ProviderError("internal", "the backup sink was closed before the backup finished");
  try {
    // `once` rejects when the sink emits "error" while we wait for it to drain.
    if (!sink.write(chunk)) await once(sink, "drain", { signal });
  } catch (error) {
    if (signal.aborted) throw new ProviderError("internal", "the backup was cancelled", { cause: error });
    throw new ProviderError("internal", `writing the backup artifact failed: ${(error as Error).message}`, { cause: error });
  }
}

/** The key's prefix condition for listing: "a/b" confines to "a/b/…". */
export function listingPrefix(prefix: string): string {
  return prefix ? `${prefix}/` : "";
}

function entryOf(key: string, object: GetObjectCommandOutput): ObjectEntry {
  const entry: ObjectEntry = { key, size: object.ContentLength ?? 0, metadata: { ...(object.Metadata ?? {}) } };
  if (object.ContentType) entry.contentType = object.ContentType;
  if (object.ContentEncoding) entry.contentEncoding = object.ContentEncoding;
  if (object.ContentLanguage) entry.contentLanguage = object.ContentLanguage;
  if (object.ContentDisposition) entry.contentDisposition = object.ContentDisposition;
  if (object.CacheControl) entry.cacheControl = object.CacheControl;
  if (object.ExpiresString) entry.expires = object.ExpiresString;
  if (object.WebsiteRedirectLocation) entry.websiteRedirectLocation = object.WebsiteRedirectLocation;
  return entry;
}

/** Streams one object into the sink; false when it vanished since it was listed. */
async function backupObject(ctx: BucketContext, key: string, sink: Writable, artifact: ArtifactWriter): Promise<boolean> {
  let object: GetObjectCommandOutput;
  try {
    object = await ctx.client.send(new GetObjectCommand({ Bucket: ctx.bucket, Key: key }), { abortSignal: ctx.signal });
  } catch (error) {
    if (s3ErrorName(error) === "NoSuchKey") return false; // deleted after the listing saw it
    throw toProviderError(error, "reading an object", ctx);
  }
  const body = object.Body as Readable | undefined;
  try {
    const entry = entryOf(key, object);
    await write(sink, artifact.entry(entry), ctx.signal);
    const hash = createHash("sha256");
    let copied = 0;
    if (body) {
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          hash.update(chunk);
          copied += chunk.length;
          await write(sink, artifact.body(chunk), ctx.signal);
        }
      } catch (error) {
        throw toProviderError(error, "reading an object body", ctx);
      }
    }
    // The record's size was written before the body: a short or long body would corrupt the artifact.
    if (copied !== entry.size) throw new ProviderError("internal", `an object changed size while it was read (${entry.size} bytes announced, ${copied} read)`);
    await write(sink, artifact.digest(hash.digest()), ctx.signal);
    return true;
  } finally {
    body?.destroy();
  }
}

/**
 * Native backup: every object of the connection's bucket (under its key prefix,
 * if the URL has one) with its content headers and user metadata, streamed
 * object by object into the sink as {@link OBJECTS_FORMAT}. The manifest counts
 * the objects and bytes as they are copied: exactly what the artifact holds.
 * S3 has no snapshot; an object changed during the pass is copied as it was read.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const client = createS3Client(connection);
  const ctx: BucketContext = { client, bucket: connection.bucket, signal: request.signal, secrets: connection.secrets };
  try {
    const artifact = new ArtifactWriter();
    await write(request.sink, artifact.start({ bucket: connection.bucket, prefix: connection.prefix, createdAt: new Date().toISOString() }), request.signal);
    let count = 0;
    let bytes = 0;
    for await (const page of listKeys(ctx, listingPrefix(connection.prefix))) {
      for (const { key, size } of page) {
        if (request.signal.aborted) throw new ProviderError("internal", "the backup was cancelled");
        if (await backupObject(ctx, key, request.sink, artifact)) {
          count++;
          bytes += size;
        }
      }
      request.progress?.(`backed up ${count} objects (${bytes} bytes)`);
    }
    await write(request.sink, artifact.end(), request.signal);
    request.sink.end();
    const manifest = {
      engine: { name: "s3", version: S3_API_VERSION },
      tool: { name: "@berth/provider-object-storage", version: PROVIDER_VERSION },
      formatVersion: ARTIFACT_VERSION,
      content: objectContent(connection.prefix, count, bytes),
    };
    return { format: OBJECTS_FORMAT, manifest };
  } catch (error) {
    if (request.signal.aborted && !isProviderError(error)) throw new ProviderError("internal", "the backup was cancelled", { cause: error });
    throw error;
  } finally {
    client.destroy();
  }
}
