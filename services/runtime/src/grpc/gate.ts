import type { Metadata } from "@grpc/grpc-js";
import type { Access, Caller } from "./auth.js";

/** What the edge tells the gate about a call before its handler runs. */
export interface GateCall {
  /** "/berth.dependency.v1.DependencyService/DeleteDependency" */
  rpc: string;
  access: Access;
  metadata: Metadata;
  /** The peer's address as grpc-js reports it. */
  peer: string;
  /** The decoded request; call `validate` (throws INVALID_ARGUMENT) once the caller is authenticated, before reading it. */
  request: Record<string, unknown>;
  validate(): void;
}

/** A token as a handler may name it: its public id and name, never its value. */
export interface Actor {
  tokenId: string;
  tokenName: string;
}

/** A call the gate let through: what it may see, and where its outcome is recorded. */
export interface Admission {
  caller: Caller;
  /** The token behind the call, for records that name who made them. */
  actor?: Actor;
  /** Removes what the caller may not see from a response (or a streamed message). */
  filter(response: unknown): Promise<unknown>;
  /** Records the call's outcome (mutations); `error` is what the handler threw, if anything. */
  settle(response: unknown, error?: unknown): Promise<void>;
}

/**
 * Authentication, authorization and audit of every call, decided in one place
 * (the host's access module). Without a gate the edge falls back to the
 * configured admin and internal tokens.
 */
export interface Gate {
  /** Admits the call or throws the refusal (UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND), already audited. */
  admit(call: GateCall): Promise<Admission>;
}
