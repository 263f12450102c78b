import type { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason, grpcCodeFor, type FieldViolation } from "@berth/client";

const BRAND = Symbol.for("berth.runtime.BerthError");

export interface BerthErrorExtra {
  metadata?: Record<string, string>;
  fieldViolations?: FieldViolation[];
  cause?: unknown;
}

/**
 * A domain error with a stable reason. Domain code throws these; only the RPC
 * edge turns them into gRPC status + ErrorInfo. Message and metadata must be safe.
 * The gRPC status comes from the reason table (`REASON_TABLE` in @berth/client),
 * never from the call site, so a reason travels with the same status everywhere.
 *
 * @example
 * throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${id} not found`);
 */
export class BerthError extends Error {
  readonly code: GrpcStatus;
  readonly reason: ErrorReason;
  readonly metadata: Record<string, string>;
  readonly fieldViolations: FieldViolation[];
  readonly [BRAND] = true;

  constructor(reason: ErrorReason, message: string, extra?: BerthErrorExtra);
  /**
   * @deprecated The status argument is ignored: the reason table decides it. Drop it:
   * `new BerthError(reason, message, extra)`. Kept so older call sites still compile.
   */
  constructor(code: GrpcStatus, reason: ErrorReason, message: string, extra?: BerthErrorExtra);
  constructor(...args: [ErrorReason, string, BerthErrorExtra?] | [GrpcStatus, ErrorReason, string, BerthErrorExtra?]) {
    const [reason, message, extra = {}] = typeof args[1] === "string" ? (args as [ErrorReason, string, BerthErrorExtra?]) : (args.slice(1) as [ErrorReason, string, BerthErrorExtra?]);
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "BerthError";
    this.code = grpcCodeFor(reason);
    this.reason = reason;
    this.metadata = extra.metadata ?? {};
    this.fieldViolations = extra.fieldViolations ?? [];
  }
}

export function isBerthError(error: unknown): error is BerthError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** A reason's error with one field violation per problem (INVALID_ARGUMENT for the generic reason). */
export function invalidArgument(message: string, violations: FieldViolation[], reason = ErrorReason.ERROR_REASON_INVALID_ARGUMENT): BerthError {
  return new BerthError(reason, message, { fieldViolations: violations });
}

/** Throws one INVALID_ARGUMENT listing every violation found, or returns when there are none. */
export function assertNoViolations(violations: FieldViolation[]): void {
  if (violations.length === 0) return;
  const message = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  throw invalidArgument(message, violations);
}
