import { ErrorReason } from "@berth/client";
import { isProviderError, redactSecrets, type ProviderErrorCode } from "@berth/provider-sdk";
import { BerthError } from "./errors.js";

/**
 * The one map from a provider's typed error code to a Berth reason (whose gRPC
 * status and exit code come from the reason table). Every service that calls a
 * provider maps its errors through here.
 */
export const PROVIDER_ERROR_REASONS: Readonly<Record<ProviderErrorCode, ErrorReason>> = {
  invalid_input: ErrorReason.ERROR_REASON_CONNECTION_URL_INVALID,
  unsupported: ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED,
  target_unavailable: ErrorReason.ERROR_REASON_CONNECTION_UNREACHABLE,
  // A probe reached the server and it said which part of the connection is wrong.
  authentication_failed: ErrorReason.ERROR_REASON_CONNECTION_AUTHENTICATION_FAILED,
  database_missing: ErrorReason.ERROR_REASON_CONNECTION_DATABASE_MISSING,
  permission_denied: ErrorReason.ERROR_REASON_CONNECTION_PERMISSION_DENIED,
  corrupt_artifact: ErrorReason.ERROR_REASON_BACKUP_ARTIFACT_CORRUPT,
  not_found: ErrorReason.ERROR_REASON_INTERNAL,
  incompatible_version: ErrorReason.ERROR_REASON_INTERNAL,
  internal: ErrorReason.ERROR_REASON_INTERNAL,
};

/** Provider error codes whose message names a field of the request. */
const FIELD_CODES: ReadonlySet<ProviderErrorCode> = new Set(["invalid_input", "unsupported"]);

/** Maps a provider's typed error to a Berth error with a stable reason; an untyped one becomes INTERNAL, redacted. */
export function fromProviderError(error: unknown, secrets: string[] = []): BerthError {
  if (!isProviderError(error)) {
    // A plugin or driver threw something untyped: keep it for the log, redacted with what we know.
    const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
    return new BerthError(ErrorReason.ERROR_REASON_INTERNAL, `the provider failed: ${message}`);
  }
  const message = redactSecrets(error.message, secrets);
  const reason = PROVIDER_ERROR_REASONS[error.code] ?? ErrorReason.ERROR_REASON_INTERNAL;
  const fieldViolations = error.field && FIELD_CODES.has(error.code) ? [{ field: error.field, description: message }] : [];
  return new BerthError(reason, message, { fieldViolations });
}

/** True when retrying the same provider operation later might succeed. */
export function isRetryableProviderError(error: unknown): boolean {
  if (!isProviderError(error)) return true;
  return error.code === "target_unavailable" || error.code === "internal";
}

/**
 * A status reason safe to store and show: a typed provider error says what
 * happened (redacted); anything else is `undefined`, for the caller to summarise
 * (and log) in its own words.
 */
export function providerFailureMessage(error: unknown, secrets: string[] = []): string | undefined {
  return isProviderError(error) ? redactSecrets(error.message, secrets) : undefined;
}

/** {@link providerFailureMessage}, or a summary pointing at the server log for an untyped error. */
export function safeProviderReason(error: unknown, secrets: string[] = []): string {
  return providerFailureMessage(error, secrets) ?? "the provider failed unexpectedly; see the server log";
}
