/**
 * Typed provider errors. Providers throw these; the dependency service maps each
 * code to a stable Berth reason. Messages must be safe to show (no secrets): use
 * {@link redactSecrets} on driver messages before wrapping them.
 */
export type ProviderErrorCode =
  /** The request itself is wrong (bad name, malformed URL). */
  | "invalid_input"
  /** The realization target or external system cannot be reached (refused, timed out, unknown host). */
  | "target_unavailable"
  /** The server answered but rejected the credentials (wrong password, unknown user or key). */
  | "authentication_failed"
  /** Logged in, but what the URL names does not exist (database, bucket, index, db index). */
  | "database_missing"
  /** Logged in, but the credentials may not use what the URL names (database, key prefix, bucket, index). */
  | "permission_denied"
  /** The provider does not support this operation or kind. */
  | "unsupported"
  /** Something the provider needed is gone (database dropped outside Berth). */
  | "not_found"
  /** The data to restore is corrupt or of the wrong format. */
  | "corrupt_artifact"
  /**
   * The backup was made by a newer engine or dump tool than the target can load
   * (e.g. a pg_dump 17 archive and pg_restore 15). Refused before anything changed;
   * the message names both versions.
   */
  | "incompatible_version"
  /** Anything else; the message is still safe. */
  | "internal";

const BRAND = Symbol.for("berth.provider-sdk.ProviderError");

export interface ProviderErrorOptions {
  /** Field the error is about, for BadRequest field violations (e.g. "connection_url"). */
  field?: string;
  /** Underlying error, for logs only; never sent over the wire. */
  cause?: unknown;
}

/**
 * @example
 * throw new ProviderError("invalid_input", "port must be 1-65535", { field: "connection_url" });
 */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly field?: string;
  readonly [BRAND] = true;

  constructor(code: ProviderErrorCode, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProviderError";
    this.code = code;
    this.field = options.field;
  }
}

/** Works across duplicate copies of this package (plugins may bundle their own). */
export function isProviderError(error: unknown): error is ProviderError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
