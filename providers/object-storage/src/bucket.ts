import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ProviderError } from "@berth/provider-sdk";
import { isNotImplemented, s3ErrorName, toProviderError } from "./client.js";

/** DeleteObjects takes at most 1000 keys per request. */
export const DELETE_BATCH = 1000;

export interface BucketContext {
  client: S3Client;
  bucket: string;
  signal: AbortSignal;
  secrets: readonly string[];
}

async function send<T>(ctx: BucketContext, doing: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toProviderError(error, doing, ctx);
  }
}

export async function bucketExists(ctx: BucketContext): Promise<boolean> {
  try {
    await ctx.client.send(new HeadBucketCommand({ Bucket: ctx.bucket }), { abortSignal: ctx.signal });
    return true;
  } catch (error) {
    if (["NotFound", "NoSuchBucket"].includes(s3ErrorName(error))) return false;
    throw toProviderError(error, `checking bucket ${ctx.bucket}`, ctx);
  }
}

/**
 * Creates the bucket, or accepts it when it exists and our keys reach it:
 * AWS answers BucketAlreadyOwnedByYou; s3rver and some S3-compatible servers
 * answer BucketAlreadyExists even to the owner, so that case is settled by a
 * HeadBucket, which fails for a bucket someone else owns.
 */
export async function ensureBucket(ctx: BucketContext, region: string): Promise<void> {
  try {
    await ctx.client.send(
      new CreateBucketCommand({
        Bucket: ctx.bucket,
        // us-east-1 is the one region that must not be named.
        ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
      { abortSignal: ctx.signal },
    );
  } catch (error) {
    const name = s3ErrorName(error);
    if (name === "BucketAlreadyOwnedByYou") return;
    if (name === "BucketAlreadyExists") {
      if (await bucketExists(ctx)) return;
      throw new ProviderError("internal", `bucket ${ctx.bucket} exists but belongs to someone else`);
    }
    throw toProviderError(error, `creating bucket ${ctx.bucket}`, ctx);
  }
}

/** Deletes keys (or key versions) in batches of 1000; fails if the server refuses any. */
export async function deleteObjects(ctx: BucketContext, objects: ObjectIdentifier[]): Promise<void> {
  for (let i = 0; i < objects.length; i += DELETE_BATCH) {
    const batch = objects.slice(i, i + DELETE_BATCH);
    const result = await send(ctx, `deleting objects from ${ctx.bucket}`, () =>
      ctx.client.send(new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: batch, Quiet: true } }), { abortSignal: ctx.signal }),
    );
    const errors = (result.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
    if (errors.length > 0) {
      throw new ProviderError("internal", `the server refused to delete ${errors.length} object(s) from ${ctx.bucket}: ${errors[0].Code ?? "unknown error"}`);
    }
  }
}

/** Every key under `prefix`, page by page (1000 a page). */
export async function* listKeys(ctx: BucketContext, prefix: string): AsyncGenerator<{ key: string; size: number }[]> {
  let token: string | undefined;
  do {
    const page = await send(ctx, `listing ${ctx.bucket}`, () =>
      ctx.client.send(new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: prefix || undefined, ContinuationToken: token, MaxKeys: 1000 }), {
        abortSignal: ctx.signal,
      }),
    );
    const keys = (page.Contents ?? []).filter((o) => o.Key !== undefined).map((o) => ({ key: o.Key!, size: o.Size ?? 0 }));
    if (keys.length > 0) yield keys;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function isVersioned(ctx: BucketContext): Promise<boolean> {
  try {
    const result = await ctx.client.send(new GetBucketVersioningCommand({ Bucket: ctx.bucket }), { abortSignal: ctx.signal });
    // "Suspended" still keeps the versions written while it was enabled.
    return result.Status === "Enabled" || result.Status === "Suspended";
  } catch (error) {
    if (isNotImplemented(error)) return false; // a server without versioning has no versions
    throw toProviderError(error, `reading the versioning of ${ctx.bucket}`, ctx);
  }
}

async function deleteAllVersions(ctx: BucketContext): Promise<void> {
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await send(ctx, `listing versions in ${ctx.bucket}`, () =>
      ctx.client.send(new ListObjectVersionsCommand({ Bucket: ctx.bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker, MaxKeys: 1000 }), {
        abortSignal: ctx.signal,
      }),
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((v) => v.Key !== undefined)
      .map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    await deleteObjects(ctx, objects);
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker !== undefined || versionMarker !== undefined);
}

async function abortUploads(ctx: BucketContext): Promise<void> {
  try {
    for (;;) {
      const page = await ctx.client.send(new ListMultipartUploadsCommand({ Bucket: ctx.bucket }), { abortSignal: ctx.signal });
      const uploads = page.Uploads ?? [];
      for (const upload of uploads) {
        await ctx.client.send(new AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: upload.Key, UploadId: upload.UploadId }), { abortSignal: ctx.signal });
      }
      if (!page.IsTruncated || uploads.length === 0) return;
    }
  } catch (error) {
    if (isNotImplemented(error)) return;
    throw toProviderError(error, `aborting unfinished uploads in ${ctx.bucket}`, ctx);
  }
}

/**
 * Deletes every object (every version and delete marker when versioning is or
 * was on), unfinished multipart uploads, and then the bucket. A bucket that is
 * already gone is success. Retried a few times because an app that still holds
 * the keys may write while we empty it.
 */
export async function deleteBucket(ctx: BucketContext, progress?: (message: string) => void): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    if (!(await bucketExists(ctx))) return;
    progress?.(`emptying bucket ${ctx.bucket}`);
    await abortUploads(ctx);
    if (await isVersioned(ctx)) {
      await deleteAllVersions(ctx);
    } else {
      for await (const page of listKeys(ctx, "")) await deleteObjects(ctx, page.map(({ key }) => ({ Key: key })));
    }
    progress?.(`deleting bucket ${ctx.bucket}`);
    try {
      await ctx.client.send(new DeleteBucketCommand({ Bucket: ctx.bucket }), { abortSignal: ctx.signal });
      return;
    } catch (error) {
      const name = s3ErrorName(error);
      if (name === "NoSuchBucket" || name === "NotFound") return;
      if (name !== "BucketNotEmpty" || attempt === 3) throw toProviderError(error, `deleting bucket ${ctx.bucket}`, ctx);
    }
  }
}
