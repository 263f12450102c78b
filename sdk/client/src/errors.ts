import { Metadata, status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";
import { Status } from "./gen/google/rpc/status.js";
import { BadRequest, ErrorInfo } from "./gen/google/rpc/error_details.js";

export const STATUS_DETAILS_KEY = "grpc-status-details-bin";
const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";
const BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest";

export interface FieldViolation {
  field: string;
  description: string;
}

/** The parts of a Berth error a caller can rely on. Safe to print. */
export interface BerthErrorDetails {
  code: GrpcStatus;
  message: string;
  /** Stable snake_case reason, e.g. "dependency_not_found"; "" when the server sent none. */
  reason: string;
  metadata: Record<string, string>;
  fieldViolations: FieldViolation[];
}

/** Encodes error details into grpc-status-details-bin metadata (server side). */
export function encodeErrorDetails(details: BerthErrorDetails, domain: string): Metadata {
  const anyDetails = [
    { typeUrl: ERROR_INFO_TYPE, value: Buffer.from(ErrorInfo.encode({ reason: details.reason, domain, metadata: details.metadata }).finish()) },
  ];
  if (details.fieldViolations.length > 0) {
    anyDetails.push({
      typeUrl: BAD_REQUEST_TYPE,
      value: Buffer.from(
        BadRequest.encode({ fieldViolations: details.fieldViolations.map((v) => ({ ...v, reason: details.reason })) }).finish(),
      ),
    });
  }
  const metadata = new Metadata();
  metadata.set(
    STATUS_DETAILS_KEY,
    Buffer.from(Status.encode({ code: details.code, message: details.message, details: anyDetails }).finish()),
  );
  return metadata;
}

/** Error thrown by the typed client; `reason` is what callers match on. */
export class BerthApiError extends Error implements BerthErrorDetails {
  readonly code: GrpcStatus;
  readonly codeName: string;
  readonly reason: string;
  readonly metadata: Record<string, string>;
  readonly fieldViolations: FieldViolation[];

  constructor(details: BerthErrorDetails) {
    super(details.message);
    this.name = "BerthApiError";
    this.code = details.code;
    this.codeName = GrpcStatus[details.code] ?? String(details.code);
    this.reason = details.reason;
    this.metadata = details.metadata;
    this.fieldViolations = details.fieldViolations;
  }
}

/** Decodes a grpc-js ServiceError (with rich details when present). */
export function decodeServiceError(error: ServiceError): BerthApiError {
  const details: BerthErrorDetails = {
    code: error.code,
    message: error.details || error.message,
    reason: "",
    metadata: {},
    fieldViolations: [],
  };
  const raw = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw instanceof Buffer) {
    try {
      const status = Status.decode(raw);
      for (const any of status.details) {
        if (any.typeUrl === ERROR_INFO_TYPE) {
          const info = ErrorInfo.decode(any.value);
          details.reason = info.reason;
          details.metadata = info.metadata;
        } else if (any.typeUrl === BAD_REQUEST_TYPE) {
          details.fieldViolations = BadRequest.decode(any.value).fieldViolations.map((v) => ({ field: v.field, description: v.description }));
        }
      }
    } catch {
      // Undecodable details: keep the status code and message.
    }
  }
  if (!details.reason && error.code === GrpcStatus.UNAVAILABLE) details.reason = "unavailable";
  if (!details.reason && error.code === GrpcStatus.DEADLINE_EXCEEDED) details.reason = "deadline_exceeded";
  return new BerthApiError(details);
}

export function isBerthApiError(error: unknown): error is BerthApiError {
  return error instanceof Error && error.name === "BerthApiError" && typeof (error as BerthApiError).reason === "string";
}
