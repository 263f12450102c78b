import { createHash } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * AWS Signature Version 4 for MinIO's admin API, which the S3 client cannot
 * send: the AWS SDK's own signer (`@smithy/signature-v4`) applied to a plain
 * fetch request. The tests check it against what @aws-sdk/client-s3 sends.
 */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** "s3" for S3 and MinIO's admin API. */
  service?: string;
}

/** "20261123T130758Z" */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function dateOf(amz: string): Date {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amz);
  if (!match) throw new Error("x-amz-date must look like 20261123T130758Z");
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

/**
 * The Authorization header value for a request whose `headers` (all of them
 * are signed) already hold host, x-amz-date and x-amz-content-sha256.
 */
export async function authorization(method: string, url: URL, headers: Record<string, string>, credentials: SigningCredentials): Promise<string> {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const date = lower["x-amz-date"];
  if (!date || !lower["x-amz-content-sha256"]) throw new Error("x-amz-date and x-amz-content-sha256 must be set before signing");
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  // S3 signs the path as sent (each segment encoded once), hence uriEscapePath: false.
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region: credentials.region,
    service: credentials.service ?? "s3",
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
    applyChecksum: true,
  });
  const signed = await signer.sign(
    { method: method.toUpperCase(), protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query, headers: lower },
    { signingDate: dateOf(date) },
  );
  return String(signed.headers.authorization);
}

/** Headers for a signed request with a body hashed in full (admin bodies are small). */
export async function signedHeaders(method: string, url: URL, body: Buffer, credentials: SigningCredentials, now = new Date()): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    host: url.host,
    "x-amz-date": amzDate(now),
    "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
  };
  return { ...headers, authorization: await authorization(method, url, headers, credentials) };
}
