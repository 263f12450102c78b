import { createHash, timingSafeEqual } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { BerthError } from "../errors.js";

/** Which callers a gRPC service admits. */
export type Access = "public" | "internal";
/** Who made a call. The internal token is also accepted on public services (services call each other). */
export type Caller = "admin" | "internal" | "token";

export interface Tokens {
  admin: string;
  /** The internal service token; several during a rotation (services send the first). */
  internal: string | readonly string[];
}

/** Whether `token` is one of the internal service tokens. */
export function isInternalToken(token: string, internal: string | readonly string[]): boolean {
  const accepted = typeof internal === "string" ? [internal] : internal;
  // Compare with every one, so timing does not tell which matched.
  return accepted.map((candidate) => sameToken(token, candidate)).includes(true);
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function sameToken(a: string, b: string): boolean {
  return b.length > 0 && timingSafeEqual(digest(a), digest(b));
}

/**
 * Checks the bearer token of a call. Missing or unknown token: UNAUTHENTICATED.
 * The admin token on an internal service: PERMISSION_DENIED.
 */
export function authenticate(metadata: Metadata, access: Access, tokens: Tokens): Caller {
  const header = metadata.get("authorization")[0];
  const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) {
    throw new BerthError(ErrorReason.ERROR_REASON_UNAUTHENTICATED, "missing bearer token: pass --token or set BERTH_TOKEN");
  }
  const token = match[1];
  if (isInternalToken(token, tokens.internal)) return "internal";
  if (sameToken(token, tokens.admin)) {
    if (access === "internal") {
      throw new BerthError(
        ErrorReason.ERROR_REASON_PERMISSION_DENIED,
        "this internal RPC accepts only the internal service token",
      );
    }
    return "admin";
  }
  throw new BerthError(ErrorReason.ERROR_REASON_UNAUTHENTICATED, "invalid bearer token");
}
