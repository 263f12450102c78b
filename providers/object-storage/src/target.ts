import { describeConnectionUrl, isProviderError, objectStorageUrlRule, ProviderError, redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";
import { accessKeysOf } from "./access-keys.js";

/**
 * How a target keeps dependencies apart. There is no safe default: "none" hands
 * every app the target's own keys, so the operator must choose it knowingly.
 * (The query key is not "credentials": URL masking treats any parameter named
 * like a credential as a secret and would mask its value.)
 */
export type Isolation = "none" | "minio-user";
const ISOLATIONS: readonly Isolation[] = ["none", "minio-user"];

export const ADMIN_URL_EXAMPLE = "http://ACCESS_KEY:SECRET_KEY@127.0.0.1:9000/?region=us-east-1&isolation=none";
const DEFAULT_REGION = "us-east-1";
const KNOWN_PARAMS = new Set(["region", "isolation"]);

/** A parsed object-storage realization target. */
export interface ObjectStorageTarget {
  /** "s3" and "https" mean TLS; "http" means plain HTTP (local MinIO, s3rver). */
  scheme: "s3" | "http" | "https";
  /** e.g. "http://127.0.0.1:9000": what the S3 client talks to (path-style). */
  endpoint: string;
  host: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  isolation: Isolation;
}

function invalid(message: string): ProviderError {
  return new ProviderError("invalid_input", message, { field: "admin_url" });
}

/**
 * Parses a target's admin URL: `scheme://ACCESS_KEY:SECRET_KEY@host[:port]/?region=…&isolation=none|minio-user`.
 * The host, port and scheme follow the imported object-storage rules (s3:// is
 * HTTPS on 443; http(s):// name the endpoint directly). Messages never quote the URL.
 */
export function parseTarget(adminUrl: string): ObjectStorageTarget {
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw invalid(`the object-storage admin URL is not a valid URL; expected ${ADMIN_URL_EXAMPLE}`);
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    throw invalid(`the object-storage admin URL names the server only, without a bucket path; expected ${ADMIN_URL_EXAMPLE}`);
  }
  for (const key of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(key)) throw invalid(`the object-storage admin URL has an unknown parameter "${key.slice(0, 40)}"; known: region, isolation`);
  }
  const isolation = url.searchParams.get("isolation");
  if (!isolation || !(ISOLATIONS as readonly string[]).includes(isolation)) {
    throw invalid(
      "the object-storage admin URL must say how dependencies are kept apart: ?isolation=none (every dependency gets the target's own keys, " +
        "so any app can read every bucket) or ?isolation=minio-user (a MinIO user and policy per bucket)",
    );
  }
  if (!url.username || !url.password) throw invalid(`the object-storage admin URL needs an access key id and secret key; expected ${ADMIN_URL_EXAMPLE}`);

  // Reuse the kind's URL rule for scheme, host and port by describing the
  // URL with a placeholder bucket; its metadata gives the endpoint.
  const probe = new URL(url.toString());
  probe.pathname = "/berth-admin-check";
  probe.search = "";
  let metadata: Record<string, string>;
  try {
    metadata = describeConnectionUrl(probe.toString(), objectStorageUrlRule).metadata;
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw invalid(redactSecrets(error.message.replace("connection URL", "admin URL"), secretPartsOfUrl(adminUrl)));
  }
  const { accessKeyId, secretAccessKey } = accessKeysOf(url, "the object-storage admin URL", invalid);
  return {
    scheme: url.protocol.slice(0, -1).toLowerCase() as ObjectStorageTarget["scheme"],
    endpoint: metadata.endpoint,
    host: metadata.host,
    port: Number(metadata.port),
    region: url.searchParams.get("region") || DEFAULT_REGION,
    accessKeyId,
    secretAccessKey,
    isolation: isolation as Isolation,
  };
}
