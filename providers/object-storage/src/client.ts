import { S3Client } from "@aws-sdk/client-s3";
import { isProviderError, ProviderError, redactSecrets } from "@berth/provider-sdk";

export interface ClientSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The SDK would otherwise print to the console (e.g. on a failed streamed upload); errors reach us as rejections. */
const SILENT = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * An S3 client for one endpoint. Path-style addressing works on every
 * S3-compatible server (MinIO, s3rver, AWS). Checksums only where the API
 * requires them: the default (WHEN_SUPPORTED) wraps streamed uploads in
 * aws-chunked encoding with a trailing CRC, which S3-compatible servers such as
 * s3rver store verbatim as the object's bytes. The SDK retries transient
 * failures, except for streamed bodies, which it never sends twice.
 */
export function createS3Client(settings: ClientSettings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 3,
    logger: SILENT,
    requestHandler: { connectionTimeout: 5_000 },
  });
}

const REFUSED_LOGIN = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "AccessDenied", "Forbidden"]);
const GONE = new Set(["NoSuchBucket", "NotFound"]);

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The S3 error code of an SDK error ("NoSuchKey", "BucketAlreadyExists", …). */
export function s3ErrorName(error: unknown): string {
  return ((error ?? {}) as SdkError).name ?? "";
}

/** True when the server answered that it does not implement the call (s3rver for versions, uploads). */
export function isNotImplemented(error: unknown): boolean {
  const name = s3ErrorName(error);
  const status = (error as SdkError)?.$metadata?.httpStatusCode;
  return name === "NotImplemented" || name === "MethodNotAllowed" || status === 501 || status === 405;
}

/** What an error is redacted against, and the signal that tells a cancellation from a failure. */
export interface ErrorContext {
  secrets: readonly string[];
  signal?: AbortSignal;
}

/**
 * Wraps an SDK error as a typed ProviderError with a redacted message. No HTTP
 * answer at all (refused, DNS, timeout) or refused keys → target_unavailable;
 * a missing bucket → not_found; anything else → internal. After the signal
 * fired, whatever broke (often a reset socket) is reported as a cancellation.
 */
export function toProviderError(error: unknown, doing: string, { secrets, signal }: ErrorContext): ProviderError {
  if (isProviderError(error)) return error;
  const e = (error ?? {}) as SdkError;
  const name = e.name ?? "Error";
  if (name === "AbortError" || signal?.aborted) return new ProviderError("internal", `${doing} was cancelled`, { cause: error });
  const status = e.$metadata?.httpStatusCode;
  // HEAD answers carry no body, so the SDK knows only the status ("UnknownError").
  const what = status === undefined ? `${name}${e.code && e.code !== name ? ` (${e.code})` : ""}` : `${name} (HTTP ${status})`;
  const message = `${doing} failed: ${redactSecrets(`${what}: ${e.message ?? String(error)}`, secrets)}`;
  const unreachable = status === undefined;
  const refused = REFUSED_LOGIN.has(name) || status === 401 || status === 403;
  const code = unreachable || refused ? "target_unavailable" : GONE.has(name) ? "not_found" : "internal";
  return new ProviderError(code, message, { cause: error });
}
