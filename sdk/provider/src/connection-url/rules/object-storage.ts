import { hostPort, invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "s3://accessKeyId:secretKey@endpoint/bucket?region=us-east-1";

// s3:// means the provider's HTTPS endpoint; http(s) name the endpoint directly (MinIO etc.).
const DEFAULT_PORTS: Record<string, number> = { s3: 443, http: 80, https: 443 };

/** S3 bucket naming rules (the subset that is unambiguous for every S3-compatible store). */
function bucketProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return "must be 3 to 63 characters long";
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    return "may contain only lowercase letters, digits, dots and hyphens, and must start and end with a letter or digit";
  }
  if (bucket.includes("..")) return "must not contain two dots in a row";
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return "must not look like an IP address";
  return undefined;
}

export const objectStorageUrlRule: ConnectionUrlRule = {
  kind: "object-storage",
  schemes: ["s3", "http", "https"],
  example: EXAMPLE,
  defaultPort: (scheme) => DEFAULT_PORTS[scheme],
  metadata(url) {
    const [bucket, ...prefix] = url.segments;
    if (!bucket) throw invalidConnectionUrl(`object-storage connection URL needs a bucket as the first path segment, e.g. ${EXAMPLE}`);
    const problem = bucketProblem(bucket);
    if (problem) throw invalidConnectionUrl(`bucket name ${problem}`);
    const tls = url.scheme !== "http";
    const metadata: Record<string, string> = {
      endpoint: `${tls ? "https" : "http"}://${hostPort(url.host, url.port)}`,
      host: url.host,
      port: String(url.port),
      bucket,
      tls: String(tls),
    };
    // Anything after the bucket is a key prefix the application is confined to.
    if (prefix.length > 0) metadata.prefix = prefix.join("/");
    const region = url.query.get("region");
    if (region) metadata.region = region;
    // The access key id identifies the credential, like a user name; the secret key (password) never leaves.
    if (url.user) metadata.access_key_id = url.user;
    return metadata;
  },
};
