import { createHash, type Hash } from "node:crypto";
import { once } from "node:events";
import { PassThrough, type Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from "@aws-sdk/client-s3";
import { ProviderError, type RestoreRequest } from "@berth/provider-sdk";
import { openArtifact, READABLE_OBJECT_FORMATS, type ArtifactObject, type ObjectEntry } from "./artifact-format.js";
import { listingPrefix } from "./backup.js";
import { deleteObjects, listKeys, type BucketContext } from "./bucket.js";
import { createS3Client, toProviderError } from "./client.js";
import { parseConnection } from "./connection.js";
import { refuseNewerArtifact } from "./content.js";

export interface UploadLimits {
  /** Objects of at least this size are uploaded in parts; default 5 GiB, the largest single PUT S3 accepts. */
  multipartThreshold: number;
  /** Part size for multipart uploads (≥ 5 MiB on S3); grown when an object would need more than 10 000 parts. */
  partSize: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { multipartThreshold: 5 * 1024 ** 3, partSize: 64 * 1024 ** 2 };
const MAX_PARTS = 10_000;

/** The headers a PUT needs to recreate the object as it was. */
function putFields(entry: ObjectEntry) {
  const expires = entry.expires ? new Date(entry.expires) : undefined;
  return {
    ContentType: entry.contentType,
    ContentEncoding: entry.contentEncoding,
    ContentLanguage: entry.contentLanguage,
    ContentDisposition: entry.contentDisposition,
    CacheControl: entry.cacheControl,
    Expires: expires && !Number.isNaN(expires.getTime()) ? expires : undefined,
    WebsiteRedirectLocation: entry.websiteRedirectLocation,
    Metadata: entry.metadata,
  };
}

/** Passes `length` bytes of `source` on, hashing them. */
async function* take(source: AsyncIterator<Buffer>, length: number, hash: Hash, carry: { rest?: Buffer }): AsyncGenerator<Buffer> {
  let left = length;
  while (left > 0) {
    let chunk = carry.rest;
    carry.rest = undefined;
    if (!chunk) {
      const next = await source.next();
      if (next.done) return;
      chunk = next.value;
    }
    if (chunk.length > left) {
      carry.rest = chunk.subarray(left);
      chunk = chunk.subarray(0, left);
    }
    hash.update(chunk);
    left -= chunk.length;
    yield chunk;
  }
}

/**
 * Sends a request whose body is `source`. The SDK neither rejects nor ends the
 * request when a body stream fails (the server waits for the missing bytes), so
 * the body is pumped through a PassThrough and a failing source aborts the
 * request; the source's error (e.g. a truncated artifact) is what is thrown.
 */
async function sendStreamed<T>(ctx: BucketContext, source: AsyncIterable<Buffer>, send: (body: Readable, signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const signal = AbortSignal.any([ctx.signal, abort.signal]);
  const body = new PassThrough();
  let sourceError: unknown;
  const pump = (async () => {
    try {
      for await (const chunk of source) if (!body.write(chunk)) await once(body, "drain", { signal });
      body.end();
    } catch (error) {
      // After the request failed on its own, the pump only stops; that failure is the one to report.
      if (!abort.signal.aborted) sourceError = error;
      abort.abort();
      body.destroy();
    }
  })();
  try {
    const result = await send(body, signal);
    await pump;
    if (sourceError) throw sourceError;
    return result;
  } catch (error) {
    abort.abort();
    await pump;
    throw sourceError ?? error;
  }
}

async function uploadWhole(ctx: BucketContext, object: ArtifactObject, hash: Hash): Promise<void> {
  const { entry } = object;
  const put = (body: Buffer | Readable, signal: AbortSignal) =>
    ctx.client.send(new PutObjectCommand({ Bucket: ctx.bucket, Key: entry.key, Body: body, ContentLength: entry.size, ...putFields(entry) }), { abortSignal: signal });
  if (entry.size === 0) await put(Buffer.alloc(0), ctx.signal);
  else await sendStreamed(ctx, take(object.body, entry.size, hash, {}), put);
}

async function uploadInParts(ctx: BucketContext, object: ArtifactObject, hash: Hash, limits: UploadLimits): Promise<void> {
  const { entry } = object;
  const partSize = Math.max(limits.partSize, Math.ceil(entry.size / MAX_PARTS));
  const created = await ctx.client.send(new CreateMultipartUploadCommand({ Bucket: ctx.bucket, Key: entry.key, ...putFields(entry) }), { abortSignal: ctx.signal });
  const uploadId = created.UploadId!;
  try {
    const parts: CompletedPart[] = [];
    const carry: { rest?: Buffer } = {};
    for (let offset = 0, number = 1; offset < entry.size; offset += partSize, number++) {
      const length = Math.min(partSize, entry.size - offset);
      const part = await sendStreamed(ctx, take(object.body, length, hash, carry), (body, signal) =>
        ctx.client.send(new UploadPartCommand({ Bucket: ctx.bucket, Key: entry.key, UploadId: uploadId, PartNumber: number, Body: body, ContentLength: length }), {
          abortSignal: signal,
        }),
      );
      parts.push({ PartNumber: number, ETag: part.ETag });
    }
    await ctx.client.send(new CompleteMultipartUploadCommand({ Bucket: ctx.bucket, Key: entry.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), {
      abortSignal: ctx.signal,
    });
  } catch (error) {
    await ctx.client.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: entry.key, UploadId: uploadId })).catch(() => undefined);
    throw error;
  }
}

/** Puts one object back; the artifact's body digest is checked once its bytes went through. */
async function restoreObject(ctx: BucketContext, object: ArtifactObject, limits: UploadLimits): Promise<void> {
  const hash = createHash("sha256");
  try {
    if (object.entry.size >= limits.multipartThreshold && object.entry.size > 0) await uploadInParts(ctx, object, hash, limits);
    else await uploadWhole(ctx, object, hash);
  } catch (error) {
    // A truncated body surfaces here as the reader's corrupt_artifact, passed through as is.
    throw toProviderError(error, "writing an object", ctx);
  }
  const stored = await object.digest();
  if (!stored.equals(hash.digest())) {
    throw new ProviderError("corrupt_artifact", "an object's body does not match its digest in the artifact; the restore stopped part-way");
  }
}

/**
 * In-place restore: every object of the artifact is put back with its
 * metadata, then objects that exist now but were not in the backup are
 * deleted, so the bucket (or the connection's key prefix) ends equal to the
 * restore point. The set of restored keys is held in memory; bodies are not.
 */
export async function restore(request: RestoreRequest, limits: UploadLimits = DEFAULT_UPLOAD_LIMITS): Promise<void> {
  if (!READABLE_OBJECT_FORMATS.includes(request.format)) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${READABLE_OBJECT_FORMATS.join(" or ")}`);
  if (request.manifest) refuseNewerArtifact(request.manifest);
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const client = createS3Client(connection);
  const ctx: BucketContext = { client, bucket: connection.bucket, signal: request.signal, secrets: connection.secrets };
  const confinedTo = listingPrefix(connection.prefix);
  try {
    const reader = await openArtifact(request.source, request.format);
    const restored = new Set<string>();
    for (;;) {
      if (request.signal.aborted) throw new ProviderError("internal", "the restore was cancelled");
      const object = await reader.next();
      if (!object) break;
      if (!object.entry.key.startsWith(confinedTo)) {
        throw new ProviderError("corrupt_artifact", "the artifact holds an object outside the key prefix this connection is confined to");
      }
      await restoreObject(ctx, object, limits);
      restored.add(object.entry.key);
      if (restored.size % 100 === 0) request.progress?.(`restored ${restored.size} objects`);
    }
    request.progress?.(`restored ${restored.size} objects; removing objects created after the backup`);
    for await (const page of listKeys(ctx, confinedTo)) {
      const extra = page.filter(({ key }) => !restored.has(key)).map(({ key }) => ({ Key: key }));
      await deleteObjects(ctx, extra);
    }
  } finally {
    client.destroy();
  }
}
