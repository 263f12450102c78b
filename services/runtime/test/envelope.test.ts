import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateMasterKeySpec, Keyring, parseMasterKey, type MasterKey, type SealedSecret } from "../src/secrets/envelope.js";
import { formatSecretReference, parseSecretReference } from "../src/secrets/reference.js";

const VALUE = "postgres://app:Pl4nted-S3cret-5d0c@db.internal:5432/app";
const CONTEXT = "secret://dep_7HqK2abc/connection@1";

function masterKey(id: string): MasterKey {
  return { id, key: randomBytes(32) };
}

/** A copy of `buffer` with one bit of the byte at `index` flipped. */
function flipped(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] ^= 0x01;
  return copy;
}

describe("Keyring", () => {
  const k1 = masterKey("k1");

  it("decrypts what it encrypted", () => {
    const ring = new Keyring([k1], "k1");
    const sealed = ring.encrypt(VALUE, CONTEXT);
    expect(sealed.keyId).toBe("k1");
    expect(ring.decrypt(sealed, CONTEXT)).toBe(VALUE);
  });

  it("round-trips empty and non-ASCII values", () => {
    const ring = new Keyring([k1], "k1");
    for (const value of ["", "pässwörd-🔑-密码"]) expect(ring.decrypt(ring.encrypt(value, CONTEXT), CONTEXT)).toBe(value);
  });

  it("does not store the plaintext in the ciphertext or wrapped key", () => {
    const sealed = new Keyring([k1], "k1").encrypt(VALUE, CONTEXT);
    const plain = Buffer.from(VALUE, "utf8");
    expect(sealed.ciphertext.includes(plain)).toBe(false);
    expect(sealed.wrappedKey.includes(plain)).toBe(false);
    expect(sealed.ciphertext.includes(Buffer.from("Pl4nted-S3cret-5d0c"))).toBe(false);
  });

  it("produces a different ciphertext and wrapped key each time for the same value", () => {
    const ring = new Keyring([k1], "k1");
    const a = ring.encrypt(VALUE, CONTEXT);
    const b = ring.encrypt(VALUE, CONTEXT);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(ring.decrypt(a, CONTEXT)).toBe(VALUE);
    expect(ring.decrypt(b, CONTEXT)).toBe(VALUE);
  });

  it("never reuses an IV under the master key (the documented iv ‖ tag ‖ ciphertext layout starts with a fresh IV)", () => {
    // Every wrapped key is sealed with the same master key, so a repeated GCM nonce there would be fatal.
    const ring = new Keyring([k1], "k1");
    const ivs = new Set(Array.from({ length: 20 }, () => ring.encrypt(VALUE, CONTEXT).wrappedKey.subarray(0, 12).toString("hex")));
    expect(ivs.size).toBe(20);
  });

  it("refuses to open a record under a different context (a ciphertext copied to another record)", () => {
    const ring = new Keyring([k1], "k1");
    const sealed = ring.encrypt(VALUE, CONTEXT);
    expect(() => ring.decrypt(sealed, "secret://dep_7HqK2abc/connection@2")).toThrow();
    expect(() => ring.decrypt(sealed, "secret://dep_OTHER/connection@1")).toThrow();
  });

  it("refuses a ciphertext whose wrapped key comes from another record", () => {
    const ring = new Keyring([k1], "k1");
    const a = ring.encrypt(VALUE, CONTEXT);
    const b = ring.encrypt("other value", CONTEXT);
    expect(() => ring.decrypt({ ...a, wrappedKey: b.wrappedKey }, CONTEXT)).toThrow();
  });

  describe("tampering", () => {
    const ring = new Keyring([k1], "k1");
    const sealed = ring.encrypt(VALUE, CONTEXT);
    // Byte offsets inside "iv(12) ‖ tag(16) ‖ body": one in each part.
    const positions = { iv: 0, tag: 12, body: 28 };

    it.each(Object.entries(positions))("fails when a byte of the ciphertext's %s is flipped", (_part, index) => {
      const tampered: SealedSecret = { ...sealed, ciphertext: flipped(sealed.ciphertext, index) };
      expect(() => ring.decrypt(tampered, CONTEXT)).toThrow();
    });

    it("fails when the last byte of the ciphertext is flipped", () => {
      const tampered: SealedSecret = { ...sealed, ciphertext: flipped(sealed.ciphertext, sealed.ciphertext.length - 1) };
      expect(() => ring.decrypt(tampered, CONTEXT)).toThrow();
    });

    it.each(Object.entries(positions))("fails when a byte of the wrapped key's %s is flipped", (_part, index) => {
      const tampered: SealedSecret = { ...sealed, wrappedKey: flipped(sealed.wrappedKey, index) };
      expect(() => ring.decrypt(tampered, CONTEXT)).toThrow();
    });

    it("still opens the untampered record", () => {
      expect(ring.decrypt(sealed, CONTEXT)).toBe(VALUE);
    });
  });

  describe("key rotation", () => {
    it("opens records sealed with the old key after the active key rotates, and seals new ones with the new key", () => {
      const k2 = masterKey("k2");
      const old = new Keyring([k1], "k1").encrypt(VALUE, CONTEXT);

      const rotated = new Keyring([k1, k2], "k2");
      expect(rotated.decrypt(old, CONTEXT)).toBe(VALUE);

      const fresh = rotated.encrypt("new value", CONTEXT);
      expect(fresh.keyId).toBe("k2");
      expect(rotated.decrypt(fresh, CONTEXT)).toBe("new value");
      // The new record really depends on k2: a ring with only k1 cannot open it.
      expect(() => new Keyring([k1], "k1").decrypt(fresh, CONTEXT)).toThrow(/k2/);
    });

    it("fails with a message naming the key id when the record's key is not in the ring", () => {
      const sealed = new Keyring([k1], "k1").encrypt(VALUE, CONTEXT);
      const withoutK1 = new Keyring([masterKey("k2")], "k2");
      expect(() => withoutK1.decrypt(sealed, CONTEXT)).toThrow("master key k1 is not configured");
    });

    it("fails when a different key is configured under the same id", () => {
      const sealed = new Keyring([k1], "k1").encrypt(VALUE, CONTEXT);
      expect(() => new Keyring([masterKey("k1")], "k1").decrypt(sealed, CONTEXT)).toThrow();
    });
  });

  describe("construction", () => {
    it("rejects a master key that is not 32 bytes, naming it", () => {
      expect(() => new Keyring([{ id: "short", key: randomBytes(16) }], "short")).toThrow("master key short must be 32 bytes");
    });

    it("rejects an active key id that is not in the ring", () => {
      expect(() => new Keyring([k1], "k9")).toThrow("active master key k9 is not in the keyring");
    });
  });
});

describe("parseMasterKey", () => {
  it("parses an id and base64 key of 32 bytes", () => {
    const key = randomBytes(32);
    const parsed = parseMasterKey(`prod-2024:${key.toString("base64")}`);
    expect(parsed.id).toBe("prod-2024");
    expect(parsed.key.equals(key)).toBe(true);
  });

  it("parses what generateMasterKeySpec makes, and the result works in a keyring", () => {
    const parsed = parseMasterKey(generateMasterKeySpec("dev-test"));
    expect(parsed.id).toBe("dev-test");
    expect(parsed.key).toHaveLength(32);
    const ring = new Keyring([parsed], "dev-test");
    expect(ring.decrypt(ring.encrypt(VALUE, CONTEXT), CONTEXT)).toBe(VALUE);
  });

  it.each([16, 31, 33, 64])("rejects a key of %i bytes", (length) => {
    expect(() => parseMasterKey(`k1:${randomBytes(length).toString("base64")}`)).toThrow("master key must be 32 bytes, base64-encoded");
  });

  it.each([
    ["no separator", randomBytes(32).toString("base64")],
    ["an empty key id", `:${randomBytes(32).toString("base64")}`],
    ["an empty string", ""],
  ])("rejects a spec with %s", (_what, spec) => {
    expect(() => parseMasterKey(spec)).toThrow('master key must look like "<key-id>:<base64 of 32 bytes>"');
  });

  it("rejects an id with nothing after the separator", () => {
    expect(() => parseMasterKey("k1:")).toThrow("32 bytes");
  });

  it("does not put the key material in its error message", () => {
    const material = randomBytes(20).toString("base64");
    try {
      parseMasterKey(`k1:${material}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(material);
      return;
    }
    throw new Error("expected parseMasterKey to throw");
  });
});

describe("secret references", () => {
  it("formats and parses back the same reference", () => {
    const ref = { ownerId: "dep_7HqK2abcXYZ09", name: "connection", version: 3 };
    const text = formatSecretReference(ref);
    expect(text).toBe("secret://dep_7HqK2abcXYZ09/connection@3");
    expect(parseSecretReference(text)).toEqual(ref);
  });

  it("round-trips names with digits and dashes and multi-digit versions", () => {
    const ref = { ownerId: "app_01", name: "admin-url-2", version: 120 };
    expect(parseSecretReference(formatSecretReference(ref))).toEqual(ref);
  });

  it.each([
    ["no version", "secret://dep_abc/connection"],
    ["an empty version", "secret://dep_abc/connection@"],
    ["version 0", "secret://dep_abc/connection@0"],
    ["a version with a leading zero", "secret://dep_abc/connection@01"],
    ["a negative version", "secret://dep_abc/connection@-1"],
    ["a non-numeric version", "secret://dep_abc/connection@latest"],
    ["the wrong scheme", "secrets://dep_abc/connection@1"],
    ["an http scheme", "http://dep_abc/connection@1"],
    ["no scheme", "dep_abc/connection@1"],
    ["an owner id without a type prefix", "secret://abc/connection@1"],
    ["an upper-case name", "secret://dep_abc/Connection@1"],
    ["a name starting with a digit", "secret://dep_abc/1connection@1"],
    ["an extra path segment", "secret://dep_abc/x/connection@1"],
    ["trailing text", "secret://dep_abc/connection@1 "],
    ["leading text", " secret://dep_abc/connection@1"],
    ["an empty string", ""],
  ])("rejects a reference with %s", (_what, text) => {
    expect(parseSecretReference(text)).toBeUndefined();
  });
});
