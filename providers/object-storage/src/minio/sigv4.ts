import { createHash, createHmac } from "node:crypto";

/**
 * AWS Signature Version 4 for MinIO's admin API, which the S3 client cannot
 * send. Verified in the tests against signatures @aws-sdk/client-s3 produces.
 */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** "s3" for S3 and MinIO's admin API. */
  service?: string;
}

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(url: URL): string {
  return [...url.searchParams]
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** S3 signs the path as sent, each segment encoded once. */
function canonicalPath(url: URL): string {
  return url.pathname
    .split("/")
    .map((segment) => rfc3986(decodeURIComponent(segment)))
    .join("/");
}

/** "20261123T130758Z" */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * The Authorization header value for a request whose `headers` (all of them
 * are signed) already hold host, x-amz-date and x-amz-content-sha256.
 */
export function authorization(method: string, url: URL, headers: Record<string, string>, credentials: SigningCredentials): string {
  const service = credentials.service ?? "s3";
  const lower = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), value.trim().replace(/\s+/g, " ")] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = lower.map(([name]) => name).join(";");
  const date = headers["x-amz-date"] ?? lower.find(([name]) => name === "x-amz-date")?.[1];
  const payloadHash = lower.find(([name]) => name === "x-amz-content-sha256")?.[1];
  if (!date || !payloadHash) throw new Error("x-amz-date and x-amz-content-sha256 must be set before signing");
  const canonicalRequest = [method.toUpperCase(), canonicalPath(url), canonicalQuery(url), lower.map(([n, v]) => `${n}:${v}\n`).join(""), signedHeaders, payloadHash].join("\n");
  const scope = `${date.slice(0, 8)}/${credentials.region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", date, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date.slice(0, 8)), credentials.region), service), "aws4_request");
  const signature = createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
  return `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/** Headers for a signed request with a body hashed in full (admin bodies are small). */
export function signedHeaders(method: string, url: URL, body: Buffer, credentials: SigningCredentials, now = new Date()): Record<string, string> {
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-date": amzDate(now),
    "x-amz-content-sha256": sha256Hex(body),
  };
  return { ...headers, authorization: authorization(method, url, headers, credentials) };
}
