import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { isProviderError, redactSecrets } from "@berth/provider-sdk";
import { BerthError } from "@berth/runtime";

/** Maps a provider's typed error to a Berth error with a stable reason; others pass through. */
export function fromProviderError(error: unknown, secrets: string[] = []): unknown {
  if (!isProviderError(error)) {
    // A plugin or driver threw something untyped: keep it for the log, redacted with what we know.
    const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
    return new BerthError(GrpcStatus.INTERNAL, ErrorReason.ERROR_REASON_INTERNAL, `the provider failed: ${message}`);
  }
  const message = redactSecrets(error.message, secrets);
  const violations = error.field ? [{ field: error.field, description: message }] : [];
  switch (error.code) {
    case "invalid_input":
      return new BerthError(GrpcStatus.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_CONNECTION_URL_INVALID, message, { fieldViolations: violations });
    case "unsupported":
      return new BerthError(GrpcStatus.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED, message, { fieldViolations: violations });
    case "target_unavailable":
      return new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_CONNECTION_UNREACHABLE, message);
    // A probe reached the server and it said which part of the connection is wrong.
    case "authentication_failed":
      return new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_CONNECTION_AUTHENTICATION_FAILED, message);
    case "database_missing":
      return new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_CONNECTION_DATABASE_MISSING, message);
    case "permission_denied":
      return new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_CONNECTION_PERMISSION_DENIED, message);
    default:
      return new BerthError(GrpcStatus.INTERNAL, ErrorReason.ERROR_REASON_INTERNAL, message);
  }
}

/** True when retrying the same operation later might succeed. */
export function isRetryable(error: unknown): boolean {
  if (!isProviderError(error)) return true;
  return error.code === "target_unavailable" || error.code === "internal";
}

/** A message safe to store as status_reason. */
export function safeReason(error: unknown, secrets: string[] = []): string {
  if (isProviderError(error)) return redactSecrets(error.message, secrets);
  return "the provider failed unexpectedly; see the server log";
}
