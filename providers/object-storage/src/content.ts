import { contentStats, refuseNewerVersion, type BackupManifest, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { listKeys, type BucketContext } from "./bucket.js";
import { createS3Client } from "./client.js";
import { parseConnection } from "./connection.js";

/** The S3 API version this provider speaks; the "engine version" of an object-storage manifest. */
export const S3_API_VERSION = "2006-03-01";
/** The object-storage artifact's format version (s3-objects-v2; v1 artifacts still restore). */
export const ARTIFACT_VERSION = "2";

/**
 * The one content entry of a backup: objects and bytes under the key prefix it
 * covers ("/" for the dependency's whole bucket). Named by prefix, not bucket,
 * so a copy restored into another dependency's bucket compares equal.
 */
export function prefixEntryName(prefix: string): string {
  return prefix ? `${prefix}/` : "/";
}

export function objectContent(prefix: string, count: number, bytes: number): ContentStats {
  return contentStats([{ scope: "bucket", name: prefixEntryName(prefix), count, bytes }]);
}

/** Objects and bytes under the connection's prefix, from a listing (as a backup counts what it copies). */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const client = createS3Client(connection);
  const ctx: BucketContext = { client, bucket: connection.bucket, signal: request.signal, secrets: connection.secrets };
  try {
    let count = 0;
    let bytes = 0;
    for await (const page of listKeys(ctx, connection.prefix ? `${connection.prefix}/` : "")) {
      for (const { size } of page) {
        count++;
        bytes += size;
      }
    }
    return objectContent(connection.prefix, count, bytes);
  } finally {
    client.destroy();
  }
}

/** Refuses an artifact of a newer format, or made through a newer S3 API, than this provider reads. */
export function refuseNewerArtifact(manifest: BackupManifest): void {
  refuseNewerVersion({ subject: "this object-storage provider's artifact reader", backupVersion: manifest.formatVersion, targetVersion: ARTIFACT_VERSION });
  refuseNewerVersion({ subject: "the S3 API this provider speaks", backupVersion: manifest.engine.version, targetVersion: S3_API_VERSION });
}
