import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason, type FieldViolation } from "@berth/client";

const BRAND = Symbol.for("berth.runtime.BerthError");

/**
 * A domain error with a stable reason. Domain code throws these; only the RPC
 * edge turns them into gRPC status + ErrorInfo. Message and metadata must be safe.
 */
export class BerthError extends Error {
  readonly code: GrpcStatus;
  readonly reason: ErrorReason;
  readonly metadata: Record<string, string>;
  readonly fieldViolations: FieldViolation[];
  readonly [BRAND] = true;

  constructor(
    code: GrpcStatus,
    reason: ErrorReason,
    message: string,
    extra: { metadata?: Record<string, string>; fieldViolations?: FieldViolation[]; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "BerthError";
    this.code = code;
    this.reason = reason;
    this.metadata = extra.metadata ?? {};
    this.fieldViolations = extra.fieldViolations ?? [];
  }
}

export function isBerthError(error: unknown): error is BerthError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** INVALID_ARGUMENT with one field violation per problem. */
export function invalidArgument(message: string, violations: FieldViolation[], reason = ErrorReason.ERROR_REASON_INVALID_ARGUMENT): BerthError {
  return new BerthError(GrpcStatus.INVALID_ARGUMENT, reason, message, { fieldViolations: violations });
}

/** Throws one INVALID_ARGUMENT listing every violation found, or returns when there are none. */
export function assertNoViolations(violations: FieldViolation[]): void {
  if (violations.length === 0) return;
  const message = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  throw invalidArgument(message, violations);
}
