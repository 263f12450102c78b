import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason, errorReasonToJSON } from "./gen/berth/common/v1/errors.js";

/** Domain of every Berth ErrorInfo. */
export const ERROR_DOMAIN = "berth.dev";

/** Exit codes of the berth CLI (documented in the README). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  precondition: 5,
  auth: 6,
  unavailable: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a reason means on the wire (gRPC status) and to a shell (CLI exit code). */
export interface ReasonMapping {
  code: GrpcStatus;
  exit: ExitCode;
}

const invalid: ReasonMapping = { code: GrpcStatus.INVALID_ARGUMENT, exit: EXIT.usage };
const notFound: ReasonMapping = { code: GrpcStatus.NOT_FOUND, exit: EXIT.notFound };
const exists: ReasonMapping = { code: GrpcStatus.ALREADY_EXISTS, exit: EXIT.conflict };
const precondition: ReasonMapping = { code: GrpcStatus.FAILED_PRECONDITION, exit: EXIT.precondition };

type KnownReason = Exclude<ErrorReason, ErrorReason.UNRECOGNIZED>;

/**
 * The one reason table: every ErrorReason with its gRPC status and CLI exit code.
 * Servers take a BerthError's status from here and the CLI its exit code, so a
 * reason means the same everywhere. A new enum value does not compile until it
 * has a row (and test/reasons.test.ts checks the generated enum at run time too).
 */
export const REASON_TABLE: Readonly<Record<KnownReason, ReasonMapping>> = {
  [ErrorReason.ERROR_REASON_UNSPECIFIED]: { code: GrpcStatus.UNKNOWN, exit: EXIT.failed },

  [ErrorReason.ERROR_REASON_INVALID_ARGUMENT]: invalid,
  [ErrorReason.ERROR_REASON_UNAUTHENTICATED]: { code: GrpcStatus.UNAUTHENTICATED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_PERMISSION_DENIED]: { code: GrpcStatus.PERMISSION_DENIED, exit: EXIT.auth },
  // The id was used for a create with other parameters: the request is wrong, not the state.
  [ErrorReason.ERROR_REASON_REQUEST_ID_REUSED]: invalid,
  [ErrorReason.ERROR_REASON_INTERNAL]: { code: GrpcStatus.INTERNAL, exit: EXIT.failed },
  [ErrorReason.ERROR_REASON_UNAVAILABLE]: { code: GrpcStatus.UNAVAILABLE, exit: EXIT.unavailable },
  [ErrorReason.ERROR_REASON_NOT_IMPLEMENTED]: { code: GrpcStatus.UNIMPLEMENTED, exit: EXIT.failed },
  [ErrorReason.ERROR_REASON_INVALID_PAGE_TOKEN]: invalid,

  [ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_DEPENDENCY_ALREADY_EXISTS]: exists,
  [ErrorReason.ERROR_REASON_DEPENDENCY_DELETE_BLOCKED]: precondition,
  [ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY]: precondition,
  [ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED]: invalid,
  [ErrorReason.ERROR_REASON_CONNECTION_URL_INVALID]: invalid,
  [ErrorReason.ERROR_REASON_CONNECTION_UNREACHABLE]: precondition,
  [ErrorReason.ERROR_REASON_REALIZATION_TARGET_UNAVAILABLE]: precondition,
  [ErrorReason.ERROR_REASON_SECRET_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_DEPENDENCY_SOURCE_MISMATCH]: precondition,
  [ErrorReason.ERROR_REASON_CONNECTION_AUTHENTICATION_FAILED]: precondition,
  [ErrorReason.ERROR_REASON_CONNECTION_DATABASE_MISSING]: precondition,
  [ErrorReason.ERROR_REASON_CONNECTION_PERMISSION_DENIED]: precondition,

  [ErrorReason.ERROR_REASON_BINDING_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_BINDING_TARGET_CONFLICT]: exists,
  [ErrorReason.ERROR_REASON_BINDING_TARGET_INVALID]: invalid,
  [ErrorReason.ERROR_REASON_BINDING_SCOPE_MISMATCH]: precondition,
  [ErrorReason.ERROR_REASON_SECRET_VERSION_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_BINDING_UNBOUND]: precondition,

  [ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_RESOURCE_ALREADY_EXISTS]: exists,
  [ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_RUNTIME_TARGET_ALREADY_EXISTS]: exists,
  [ErrorReason.ERROR_REASON_DEPLOYMENT_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_DEPENDENCY_RUNTIME_INJECTION_BLOCKED]: precondition,
  [ErrorReason.ERROR_REASON_RESOURCE_DELETE_BLOCKED]: precondition,
  [ErrorReason.ERROR_REASON_RUNTIME_TARGET_DELETE_BLOCKED]: precondition,

  // Also "no restorable backup": a deleted or unfinished one is not found for restore, drill or seeding.
  [ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_RESTORE_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_RESTORE_ACKNOWLEDGEMENT_REQUIRED]: precondition,
  [ErrorReason.ERROR_REASON_RESTORE_POINT_METADATA_ONLY]: precondition,
  [ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS]: precondition,
  [ErrorReason.ERROR_REASON_BACKUP_ARTIFACT_CORRUPT]: { code: GrpcStatus.DATA_LOSS, exit: EXIT.failed },
  [ErrorReason.ERROR_REASON_BACKUP_POLICY_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_BACKUP_ALREADY_FINISHED]: precondition,
  [ErrorReason.ERROR_REASON_RESTORE_ALREADY_FINISHED]: precondition,

  [ErrorReason.ERROR_REASON_CONFIG_SECRET_VALUE_FORBIDDEN]: invalid,
  [ErrorReason.ERROR_REASON_CONFIG_INVALID]: invalid,
  [ErrorReason.ERROR_REASON_CONFIG_CONFLICT]: precondition,
  [ErrorReason.ERROR_REASON_PREVIEW_NOT_EPHEMERAL]: precondition,
  [ErrorReason.ERROR_REASON_DRILL_NOT_FOUND]: notFound,

  [ErrorReason.ERROR_REASON_TOKEN_NOT_FOUND]: notFound,
  [ErrorReason.ERROR_REASON_TOKEN_EXPIRED]: { code: GrpcStatus.UNAUTHENTICATED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_TOKEN_REVOKED]: { code: GrpcStatus.UNAUTHENTICATED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_DEPLOYER_ROLE_REQUIRED]: { code: GrpcStatus.PERMISSION_DENIED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_OPERATOR_ROLE_REQUIRED]: { code: GrpcStatus.PERMISSION_DENIED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_ADMIN_ROLE_REQUIRED]: { code: GrpcStatus.PERMISSION_DENIED, exit: EXIT.auth },
  [ErrorReason.ERROR_REASON_OUTSIDE_TOKEN_SCOPE]: { code: GrpcStatus.PERMISSION_DENIED, exit: EXIT.auth },
  // Fail-closed audit (and an audit log switched off): the change was not made; retry or ask the operator.
  [ErrorReason.ERROR_REASON_AUDIT_UNAVAILABLE]: { code: GrpcStatus.UNAVAILABLE, exit: EXIT.unavailable },
};

/**
 * The wire form of a reason: ERROR_REASON_DEPENDENCY_NOT_FOUND → "dependency_not_found".
 * The proto enum is the single list of reasons; this is the only conversion.
 */
export function reasonCode(reason: ErrorReason): string {
  return errorReasonToJSON(reason).replace(/^ERROR_REASON_/, "").toLowerCase();
}

/** The table row of a reason; an unrecognized value maps like INTERNAL. */
export function reasonMapping(reason: ErrorReason): ReasonMapping {
  return REASON_TABLE[reason as KnownReason] ?? REASON_TABLE[ErrorReason.ERROR_REASON_INTERNAL];
}

/** The gRPC status a reason travels with. */
export function grpcCodeFor(reason: ErrorReason): GrpcStatus {
  return reasonMapping(reason).code;
}

const BY_WIRE_NAME: ReadonlyMap<string, ReasonMapping> = new Map(
  (Object.keys(REASON_TABLE) as unknown as string[]).map((key) => {
    const reason = Number(key) as KnownReason;
    return [reasonCode(reason), REASON_TABLE[reason]] as const;
  }),
);

/** The table row of a wire reason ("dependency_not_found"); undefined for a reason this client does not know. */
export function reasonMappingByCode(code: string): ReasonMapping | undefined {
  return code ? BY_WIRE_NAME.get(code) : undefined;
}

/** The CLI exit code for a gRPC status, for errors that carry no known reason (a peer down, an older server). */
export function exitCodeForStatus(code: GrpcStatus): ExitCode {
  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return EXIT.usage;
    case GrpcStatus.NOT_FOUND:
      return EXIT.notFound;
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
      return EXIT.conflict;
    case GrpcStatus.FAILED_PRECONDITION:
      return EXIT.precondition;
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
      return EXIT.auth;
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return EXIT.unavailable;
    default:
      return EXIT.failed;
  }
}

export { ErrorReason };
