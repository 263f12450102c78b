import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { describe, expect, it } from "vitest";
import { authenticate, type Access, type Tokens } from "../src/grpc/auth.js";
import { BerthError, isBerthError } from "../src/errors.js";

const TOKENS: Tokens = { admin: "adm-4f9c2e71b0d8a6", internal: "int-93ab15c7e2f048" };

function withAuthorization(value?: string): Metadata {
  const metadata = new Metadata();
  if (value !== undefined) metadata.set("authorization", value);
  return metadata;
}

/** Runs authenticate, expects a BerthError, and returns it. */
function refusal(metadata: Metadata, access: Access, tokens: Tokens = TOKENS): BerthError {
  try {
    authenticate(metadata, access, tokens);
  } catch (error) {
    if (isBerthError(error)) return error;
    throw error;
  }
  throw new Error("expected authenticate to throw");
}

describe("authenticate", () => {
  describe("unauthenticated calls", () => {
    it.each<Access>(["public", "internal"])("refuses a call without an authorization header on a %s service", (access) => {
      const error = refusal(withAuthorization(), access);
      expect(error).toBeInstanceOf(BerthError);
      expect(error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(error.reason).toBe(ErrorReason.ERROR_REASON_UNAUTHENTICATED);
      expect(error.message).toMatch(/BERTH_TOKEN|--token/);
    });

    it.each<Access>(["public", "internal"])("refuses an unknown bearer token on a %s service", (access) => {
      const error = refusal(withAuthorization("Bearer not-a-real-token-1234"), access);
      expect(error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(error.reason).toBe(ErrorReason.ERROR_REASON_UNAUTHENTICATED);
    });

    it.each([
      ["an empty header", ""],
      ["a token without the Bearer scheme", TOKENS.admin],
      ["the Basic scheme", `Basic ${TOKENS.admin}`],
      ["Bearer with no token", "Bearer "],
      ["a token followed by extra words", `Bearer ${TOKENS.admin} extra`],
    ])("refuses %s as UNAUTHENTICATED", (_what, header) => {
      expect(refusal(withAuthorization(header), "public").code).toBe(GrpcStatus.UNAUTHENTICATED);
    });

    it("does not accept a prefix or extension of a real token", () => {
      expect(refusal(withAuthorization(`Bearer ${TOKENS.admin.slice(0, -1)}`), "public").code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(refusal(withAuthorization(`Bearer ${TOKENS.admin}0`), "public").code).toBe(GrpcStatus.UNAUTHENTICATED);
    });
  });

  describe("callers", () => {
    it("identifies the admin token on a public service as admin", () => {
      expect(authenticate(withAuthorization(`Bearer ${TOKENS.admin}`), "public", TOKENS)).toBe("admin");
    });

    it("identifies the internal token on a public service as internal", () => {
      expect(authenticate(withAuthorization(`Bearer ${TOKENS.internal}`), "public", TOKENS)).toBe("internal");
    });

    it("identifies the internal token on an internal service as internal", () => {
      expect(authenticate(withAuthorization(`Bearer ${TOKENS.internal}`), "internal", TOKENS)).toBe("internal");
    });

    it("refuses the admin token on an internal service with PERMISSION_DENIED", () => {
      const error = refusal(withAuthorization(`Bearer ${TOKENS.admin}`), "internal");
      expect(error.code).toBe(GrpcStatus.PERMISSION_DENIED);
      expect(error.reason).toBe(ErrorReason.ERROR_REASON_PERMISSION_DENIED);
    });

    it.each(["bearer", "BEARER", "BeArEr"])("accepts the %s scheme spelling", (scheme) => {
      expect(authenticate(withAuthorization(`${scheme} ${TOKENS.admin}`), "public", TOKENS)).toBe("admin");
    });

    it("accepts more than one space between the scheme and the token", () => {
      expect(authenticate(withAuthorization(`Bearer   ${TOKENS.internal}`), "internal", TOKENS)).toBe("internal");
    });
  });

  describe("error messages", () => {
    it.each([
      ["an unknown token", "Bearer presented-7c1d93f0aa", "public" as Access, "presented-7c1d93f0aa"],
      ["a malformed header", "Token presented-7c1d93f0aa", "public" as Access, "presented-7c1d93f0aa"],
      ["the admin token on an internal service", `Bearer ${TOKENS.admin}`, "internal" as Access, TOKENS.admin],
    ])("do not contain the presented token (%s)", (_what, header, access, token) => {
      const error = refusal(withAuthorization(header), access);
      expect(error.message).not.toContain(token);
      expect(JSON.stringify(error.metadata)).not.toContain(token);
    });

    it("do not contain either configured token", () => {
      for (const [header, access] of [
        ["Bearer wrong-token-5555", "public"],
        [`Bearer ${TOKENS.admin}`, "internal"],
      ] as const) {
        const message = refusal(withAuthorization(header), access).message;
        expect(message).not.toContain(TOKENS.admin);
        expect(message).not.toContain(TOKENS.internal);
      }
    });
  });
});
