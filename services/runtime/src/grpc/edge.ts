import {
  status as GrpcStatus,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import {
  encodeErrorDetails,
  ERROR_DOMAIN,
  ErrorReason,
  isBerthApiError,
  reasonCode,
  type FieldViolation,
  type GeneratedServiceDefinition,
  type RequestOf,
  type ResponseOf,
} from "@berth/client";
import { redactSecrets } from "@berth/provider-sdk";
import { isBerthError } from "../errors.js";
import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import { authenticate, type Access, type Caller, type Tokens } from "./auth.js";
import type { Actor, Admission, Gate } from "./gate.js";
import { assertValidRequest, compileRequestValidator, type RequestValidator } from "./validate-request.js";

/** What a handler knows about its call besides the request. */
export interface CallContext {
  caller: Caller;
  /** The token behind the call, when a gate decided it. */
  actor?: Actor;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Plain handlers: unary RPCs are async functions, server streams async generators.
 * They never see grpc-js callbacks, metadata or status codes.
 */
export type Handlers<D extends GeneratedServiceDefinition> = {
  [K in keyof D]: D[K]["responseStream"] extends true
    ? (request: RequestOf<D[K]>, context: CallContext) => AsyncIterable<ResponseOf<D[K]>>
    : (request: RequestOf<D[K]>, context: CallContext) => Promise<ResponseOf<D[K]>>;
};

export interface EdgeOptions {
  access: Access;
  tokens: Tokens;
  log: Logger;
  /** Authorizes and audits every call from one table; without it only the configured tokens are checked. */
  gate?: Gate;
}

/** A pass for callers of the configured tokens when no gate is set: sees everything, records nothing. */
function staticAdmission(caller: Caller): Admission {
  return { caller, filter: async (response) => response, settle: async () => undefined };
}

/** Authenticates, validates the request (only then may its ids be looked up), authorizes. */
async function admit(
  options: EdgeOptions,
  rpc: string,
  call: { metadata: ServerUnaryCall<unknown, unknown>["metadata"]; getPeer(): string; request: unknown },
  validate: () => void,
): Promise<Admission> {
  if (!options.gate) {
    const caller = authenticate(call.metadata, options.access, options.tokens);
    validate();
    return staticAdmission(caller);
  }
  const request = call.request && typeof call.request === "object" ? (call.request as Record<string, unknown>) : {};
  return options.gate.admit({ rpc, access: options.access, metadata: call.metadata, peer: call.getPeer(), request, validate });
}

/**
 * Starts one call: its clock, a signal that the client's cancel (or deadline)
 * aborts, and `admitted()`, which admits the call and gives the handler its context.
 */
function startCall(options: EdgeOptions, rpc: string, validator: RequestValidator, call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>) {
  const started = Date.now();
  const controller = new AbortController();
  call.on("cancelled", () => controller.abort());
  const admitted = async (): Promise<{ admission: Admission; context: CallContext }> => {
    const admission = await admit(options, rpc, call, () => assertValidRequest(validator, call.request));
    return { admission, context: { caller: admission.caller, actor: admission.actor, signal: controller.signal, log: options.log } };
  };
  return { started, signal: controller.signal, admitted };
}

/**
 * The RPC edge: authenticates, runs the handler, maps errors to gRPC status with
 * ErrorInfo/BadRequest details, and logs each call (ids and outcome only).
 */
export function bindHandlers<D extends GeneratedServiceDefinition>(
  definition: D,
  handlers: Handlers<D>,
  options: EdgeOptions,
): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = handlers[name as keyof D] as unknown as (request: unknown, context: CallContext) => unknown;
    const rpc = method.path;
    // Compiled once per method; a request field without a declared bound fails start-up.
    const validator = compileRequestValidator(rpc);
    if (method.responseStream) {
      implementation[name] = (call: ServerWritableStream<unknown, unknown>) => {
        const { started, signal, admitted } = startCall(options, rpc, validator, call);
        void (async () => {
          try {
            const { admission, context } = await admitted();
            const stream = handler(call.request, context) as AsyncIterable<unknown>;
            for await (const message of stream) {
              if (signal.aborted) break;
              if (!call.write(await admission.filter(message))) await new Promise((resolve) => call.once("drain", resolve));
            }
            if (!signal.aborted) call.end();
            options.log.debug({ rpc, ms: Date.now() - started }, "stream ended");
          } catch (error) {
            if (!signal.aborted) call.emit("error", toServiceError(error, rpc, options.log));
          }
        })();
      };
    } else {
      implementation[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        const { started, admitted } = startCall(options, rpc, validator, call);
        void (async () => {
          try {
            const { admission, context } = await admitted();
            let response: unknown;
            try {
              response = await (handler(call.request, context) as Promise<unknown>);
            } catch (error) {
              await admission.settle(undefined, error);
              throw error;
            }
            await admission.settle(response);
            callback(null, await admission.filter(response));
            options.log.debug({ rpc, ms: Date.now() - started }, "rpc ok");
          } catch (error) {
            callback(toServiceError(error, rpc, options.log));
          }
        })();
      };
    }
  }
  return implementation;
}

/**
 * Bounds on what an error sends back. Trailers travel as HTTP/2 headers: an error
 * that echoed a huge value would exceed the peer's header limit and stall the
 * call until its deadline, so every part is cut to a short prefix.
 */
const ERROR_BOUNDS = { message: 1024, metadataEntries: 16, metadataKey: 64, metadataValue: 256, violations: 20, violationField: 128, violationDescription: 256 };

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}

function errorDetails(detail: { code: GrpcStatus; message: string; reason: string; metadata: Record<string, string>; fieldViolations: FieldViolation[] }): Partial<ServiceError> {
  const message = clip(detail.message, ERROR_BOUNDS.message);
  const metadata = Object.fromEntries(
    Object.entries(detail.metadata)
      .slice(0, ERROR_BOUNDS.metadataEntries)
      .map(([key, value]) => [clip(key, ERROR_BOUNDS.metadataKey), clip(value, ERROR_BOUNDS.metadataValue)]),
  );
  const fieldViolations = detail.fieldViolations
    .slice(0, ERROR_BOUNDS.violations)
    .map((v) => ({ field: clip(v.field, ERROR_BOUNDS.violationField), description: clip(v.description, ERROR_BOUNDS.violationDescription) }));
  return { code: detail.code, details: message, metadata: encodeErrorDetails({ ...detail, message, metadata, fieldViolations }, ERROR_DOMAIN) };
}

/** Maps any thrown value to a safe, bounded ServiceError. Unknown errors are logged (redacted) and hidden. */
export function toServiceError(error: unknown, rpc: string, log: Logger): Partial<ServiceError> {
  if (isBerthError(error)) {
    const reason = reasonCode(error.reason);
    log.info({ rpc, code: GrpcStatus[error.code], reason }, "rpc refused");
    return errorDetails({ code: error.code, message: error.message, reason, metadata: error.metadata, fieldViolations: error.fieldViolations });
  }
  if (isBerthApiError(error)) {
    // An error from another Berth service: pass its status and reason on, safely.
    const peerDown = error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED;
    const code = peerDown ? GrpcStatus.UNAVAILABLE : error.code;
    const reason = peerDown ? reasonCode(ErrorReason.ERROR_REASON_UNAVAILABLE) : error.reason;
    const message = peerDown ? "a Berth service this call needs is unavailable; retry shortly" : redactSecrets(error.message);
    log.warn({ rpc, code: GrpcStatus[code], reason }, "peer call failed");
    return errorDetails({ code, message, reason, metadata: error.metadata, fieldViolations: error.fieldViolations });
  }
  const errorId = newId("err");
  const message = error instanceof Error ? error.message : String(error);
  log.error({ rpc, errorId, error: clip(redactSecrets(message), 4096) }, "rpc failed");
  const safe = `internal error (${errorId}); the server log has details`;
  return errorDetails({ code: GrpcStatus.INTERNAL, message: safe, reason: reasonCode(ErrorReason.ERROR_REASON_INTERNAL), metadata: { error_id: errorId }, fieldViolations: [] });
}
