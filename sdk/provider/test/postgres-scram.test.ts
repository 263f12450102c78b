import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { postgresScramVerifier } from "../src/postgres/scram.js";

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

describe("postgresScramVerifier", () => {
  it("gives the verifier Postgres stores, which proves the password without holding it", () => {
    const password = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHdhYmM";
    const verifier = postgresScramVerifier(password);
    const [, iterations, salt, storedKey, serverKey] = VERIFIER.exec(verifier)!;
    expect(iterations).toBe("4096");
    expect(Buffer.from(salt, "base64")).toHaveLength(16);
    expect(verifier).not.toContain(password);
    // RFC 5802: a client that knows the password derives the same keys from the salt.
    const salted = pbkdf2Sync(password, Buffer.from(salt, "base64"), 4096, 32, "sha256");
    expect(createHash("sha256").update(createHmac("sha256", salted).update("Client Key").digest()).digest("base64")).toBe(storedKey);
    expect(createHmac("sha256", salted).update("Server Key").digest("base64")).toBe(serverKey);
  });

  it("salts every verifier afresh, so equal passwords do not give equal verifiers", () => {
    expect(postgresScramVerifier("same-password")).not.toBe(postgresScramVerifier("same-password"));
  });
});
