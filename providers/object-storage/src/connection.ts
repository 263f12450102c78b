import { connectionDescriber, objectStorageUrlRule, ProviderError, secretPartsOfUrl, type ConnectionDescription, type SafeMetadata } from "@berth/provider-sdk";
import { accessKeysOf } from "./access-keys.js";
import type { ObjectStorageTarget } from "./target.js";

export const KIND = "object-storage";
const DEFAULT_REGION = "us-east-1";

/** What an S3 client needs from a delivered or imported connection URL. */
export interface ObjectStorageConnection {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Key prefix the connection is confined to, without a trailing slash; "" for the whole bucket. */
  prefix: string;
  /** Values to redact from any message about this connection. */
  secrets: string[];
}

/** Validates with the SDK's object-storage URL rule; other kinds are refused. */
export const describeConnection: (kind: string, connectionUrl: string) => ConnectionDescription = connectionDescriber(objectStorageUrlRule);

/**
 * Parses a connection URL for probe, backup and restore. `owner` is the
 * dependency's safe metadata: when it names a bucket, it must be the URL's, so
 * a mixed-up request cannot touch another dependency's bucket.
 */
export function parseConnection(kind: string, connectionUrl: string, owner?: SafeMetadata): ObjectStorageConnection {
  const { metadata } = describeConnection(kind, connectionUrl);
  if (owner?.bucket && owner.bucket !== metadata.bucket) {
    throw new ProviderError("invalid_input", `the dependency owns bucket ${owner.bucket}, but its connection names bucket ${metadata.bucket}`, { field: "metadata" });
  }
  const url = new URL(connectionUrl);
  if (!url.username || !url.password) {
    throw new ProviderError("invalid_input", "an object-storage connection URL needs an access key id and secret key to be backed up, restored or probed", {
      field: "connection_url",
    });
  }
  const { accessKeyId, secretAccessKey } = accessKeysOf(url, "the connection URL", (message) => new ProviderError("invalid_input", message, { field: "connection_url" }));
  return {
    endpoint: metadata.endpoint,
    region: metadata.region ?? DEFAULT_REGION,
    accessKeyId,
    secretAccessKey,
    bucket: metadata.bucket,
    prefix: metadata.prefix ?? "",
    secrets: secretPartsOfUrl(connectionUrl),
  };
}

/**
 * The delivered connection URL: the target's scheme (so the imported rules
 * derive the same endpoint and TLS), `publicHost` if the target has one, the
 * bucket as the path and the region as a parameter, e.g.
 * `http://KEY:SECRET@127.0.0.1:9000/berth-dep-7hqk2x?region=us-east-1`.
 */
export function deliveredConnectionUrl(
  target: ObjectStorageTarget,
  bucket: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  publicHost?: string,
): string {
  const host = publicHost ?? target.host;
  const url = new URL(`${target.scheme}://placeholder@${host.includes(":") ? `[${host}]` : host}:${target.port}/${bucket}`);
  url.username = credentials.accessKeyId;
  url.password = credentials.secretAccessKey;
  url.searchParams.set("region", target.region);
  return url.toString();
}
