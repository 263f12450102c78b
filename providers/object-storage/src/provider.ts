import { randomBytes } from "node:crypto";
import {
  defineProvider,
  dependencyObjectName,
  ProviderError,
  secretPartsOfUrl,
  type Provider,
  type RealizeRequest,
  type RealizeResult,
  type ReleaseRequest,
  type RestoreRequest,
} from "@berth/provider-sdk";
import { OBJECTS_FORMAT } from "./artifact-format.js";
import { probe } from "./probe.js";
import { backup } from "./backup.js";
import { describeContent } from "./content.js";
import { deleteBucket, ensureBucket, type BucketContext } from "./bucket.js";
import { createS3Client } from "./client.js";
import { deliveredConnectionUrl, describeConnection, KIND } from "./connection.js";
import { DEFAULT_UPLOAD_LIMITS, restore, type UploadLimits } from "./restore.js";
import { bucketPolicy, MinioAdmin, minioUserFor } from "./minio/admin.js";
import { parseTarget, type ObjectStorageTarget } from "./target.js";

/** The bucket a dependency owns: `berth-dep-7hqk2x`, valid on every S3-compatible server. */
export function bucketNameFor(dependencyId: string): string {
  return dependencyObjectName(dependencyId, { separator: "-", maxLength: 63 });
}

function requireKind(kind: string): void {
  if (kind !== KIND) throw new ProviderError("unsupported", `this provider handles kind "${KIND}", not "${String(kind).slice(0, 40)}"`);
}

function adminContext(target: ObjectStorageTarget, adminUrl: string, bucket: string, signal: AbortSignal): BucketContext {
  return { client: createS3Client(target), bucket, signal, secrets: secretPartsOfUrl(adminUrl) };
}

/**
 * A MinIO user whose only policy allows its bucket. Its secret is new on every
 * call (a re-run hands out fresh keys; Berth stores the ones it got back).
 * Done before the bucket exists, so a target that is not MinIO fails with
 * nothing created.
 */
async function realizeMinioUser(admin: MinioAdmin, bucket: string, progress?: (message: string) => void): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const accessKeyId = minioUserFor(bucket);
  const secretAccessKey = randomBytes(30).toString("base64url");
  progress?.(`creating MinIO policy and user for ${bucket}`);
  await admin.addPolicy(bucket, bucketPolicy(bucket));
  await admin.addUser(accessKeyId, secretAccessKey);
  await admin.setUserPolicy(accessKeyId, bucket);
  return { accessKeyId, secretAccessKey };
}

/**
 * A bucket per dependency. With isolation=none the dependency is handed the
 * target's own keys: the bucket name is the only thing that separates apps.
 * With isolation=minio-user it gets a MinIO user confined to its bucket.
 */
async function realize(request: RealizeRequest): Promise<RealizeResult> {
  requireKind(request.kind);
  const bucket = bucketNameFor(request.dependencyId);
  const target = parseTarget(request.target.adminUrl);
  const secrets = secretPartsOfUrl(request.target.adminUrl);
  const credentials =
    target.isolation === "minio-user" ? await realizeMinioUser(new MinioAdmin(target, secrets, request.signal), bucket, request.progress) : target;
  const ctx = adminContext(target, request.target.adminUrl, bucket, request.signal);
  try {
    request.progress?.(`creating bucket ${bucket}`);
    await ensureBucket(ctx, target.region);
  } finally {
    ctx.client.destroy();
  }
  const connectionUrl = deliveredConnectionUrl(target, bucket, credentials, request.target.publicHost);
  const { metadata } = describeConnection(KIND, connectionUrl);
  return { connectionUrl, metadata: { ...metadata, isolation: target.isolation } };
}

/**
 * Deletes the dependency's bucket and everything in it (on MinIO, its user
 * first, so the app stops writing, and its policy last); whatever is already
 * gone is success.
 */
async function release(request: ReleaseRequest): Promise<void> {
  requireKind(request.kind);
  const bucket = bucketNameFor(request.dependencyId);
  const target = parseTarget(request.target.adminUrl);
  const admin = target.isolation === "minio-user" ? new MinioAdmin(target, secretPartsOfUrl(request.target.adminUrl), request.signal) : undefined;
  if (admin) {
    request.progress?.(`removing MinIO user for ${bucket}`);
    await admin.removeUser(minioUserFor(bucket));
  }
  const ctx = adminContext(target, request.target.adminUrl, bucket, request.signal);
  try {
    await deleteBucket(ctx, request.progress);
  } finally {
    ctx.client.destroy();
  }
  await admin?.removePolicy(bucket);
}

export interface ObjectStorageProviderOptions {
  /** Multipart thresholds for restore; the defaults suit S3 (single PUT up to 5 GiB). */
  upload?: Partial<UploadLimits>;
}

/**
 * Managed S3-compatible object storage: a bucket per dependency, native
 * backup/restore of its objects with their metadata.
 *
 * @example
 * const provider = createObjectStorageProvider();
 * await provider.realize!({ dependencyId: "dep_7HqK2x", name: "uploads", kind: "object-storage",
 *   target: { name: "minio", kind: "object-storage", adminUrl: "http://KEY:SECRET@127.0.0.1:9000/?isolation=none" }, signal });
 */
export function createObjectStorageProvider(options: ObjectStorageProviderOptions = {}): Provider {
  const limits: UploadLimits = { ...DEFAULT_UPLOAD_LIMITS, ...options.upload };
  return defineProvider(
    { name: "@berth/provider-object-storage", version: "0.1.0", kinds: [KIND], backupFormat: OBJECTS_FORMAT },
    { describeConnection, realize, release, probe, backup, restore: (request: RestoreRequest) => restore(request, limits), describeContent },
  );
}

export const objectStorageProvider: Provider = createObjectStorageProvider();
