import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/** One master key: 32 bytes, identified by a key id stored beside every record it wraps. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The encrypted form of one secret value, as stored. */
export interface SealedSecret {
  keyId: string;
  /** The per-record data key, encrypted with the master key (iv ‖ tag ‖ ciphertext). */
  wrappedKey: Buffer;
  /** The value, encrypted with the data key (iv ‖ tag ‖ ciphertext). */
  ciphertext: Buffer;
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

/**
 * AES-256-GCM envelope encryption. Each value gets its own data key, wrapped by
 * the active master key; older master keys stay in the ring to open old records,
 * so the master key can rotate without re-encrypting everything at once.
 * `context` (e.g. the secret reference) is bound as associated data: a ciphertext
 * copied to another record does not open.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;

  constructor(
    keys: MasterKey[],
    private readonly activeKeyId: string,
  ) {
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    for (const key of keys) if (key.key.length !== 32) throw new Error(`master key ${key.id} must be 32 bytes`);
    if (!this.keys.has(activeKeyId)) throw new Error(`active master key ${activeKeyId} is not in the keyring`);
  }

  encrypt(value: string, context: string): SealedSecret {
    const dataKey = randomBytes(32);
    const master = this.keys.get(this.activeKeyId)!;
    return {
      keyId: this.activeKeyId,
      wrappedKey: seal(master, dataKey, `key:${context}`),
      ciphertext: seal(dataKey, Buffer.from(value, "utf8"), context),
    };
  }

  /**
   * A key for one purpose (e.g. "berth audit chain"), derived with HKDF-SHA256 from
   * the active master key or from `keyId`; the master key itself never leaves the ring.
   */
  deriveKey(purpose: string, keyId: string = this.activeKeyId): { keyId: string; key: Buffer } {
    const master = this.keys.get(keyId);
    if (!master) throw new Error(`master key ${keyId} is not configured`);
    return { keyId, key: Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), purpose, 32)) };
  }

  decrypt(sealed: SealedSecret, context: string): string {
    const master = this.keys.get(sealed.keyId);
    if (!master) throw new Error(`master key ${sealed.keyId} is not configured`);
    const dataKey = open(master, sealed.wrappedKey, `key:${context}`);
    return open(dataKey, sealed.ciphertext, context).toString("utf8");
  }
}

/** Parses "id:base64" master key strings from configuration. */
export function parseMasterKey(spec: string): MasterKey {
  const separator = spec.indexOf(":");
  if (separator <= 0) throw new Error('master key must look like "<key-id>:<base64 of 32 bytes>"');
  const key = Buffer.from(spec.slice(separator + 1), "base64");
  if (key.length !== 32) throw new Error("master key must be 32 bytes, base64-encoded");
  return { id: spec.slice(0, separator), key };
}

/** A new master key spec for `berth dev`. */
export function generateMasterKeySpec(id = `dev-${Date.now().toString(36)}`): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}
