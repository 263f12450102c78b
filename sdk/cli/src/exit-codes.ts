import { status as GrpcStatus } from "@grpc/grpc-js";

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

export function exitCodeFor(code: GrpcStatus): number {
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
