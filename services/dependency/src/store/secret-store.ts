import { formatSecretReference, type Keyring, type Db } from "@berth/runtime";


/** The one secret name a dependency owns today. */
export const CONNECTION_SECRET = "connection";

/**
 * Versioned, envelope-encrypted secrets. Values are bound to their reference as
 * associated data, so a ciphertext moved to another row does not decrypt.
 */
export class SecretStore {
  constructor(private readonly keyring: Keyring) {}

  /** Stores `value` as the next version of owner/name and returns that version. */
  async put(db: Db, ownerId: string, name: string, value: string): Promise<number> {
    const current = await db("secrets").where({ owner_id: ownerId, name }).max<{ max: number | null }>("version as max").first();
    const version = (current?.max ?? 0) + 1;
    const sealed = this.keyring.encrypt(value, formatSecretReference({ ownerId, name, version }));
    await db("secrets").insert({
      owner_id: ownerId,
      name,
      version,
      key_id: sealed.keyId,
      wrapped_key: sealed.wrappedKey,
      ciphertext: sealed.ciphertext,
    });
    return version;
  }

  /** Which of the given (owner, name, version) triples exist, in one query. */
  async existing(db: Db, refs: Array<{ ownerId: string; name: string; version: number }>): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows: Array<{ owner_id: string; name: string; version: number }> = await db("secrets")
      .select("owner_id", "name", "version")
      .whereIn(["owner_id", "name", "version"], refs.map((r) => [r.ownerId, r.name, r.version]));
    return new Set(rows.map((r) => formatSecretReference({ ownerId: r.owner_id, name: r.name, version: r.version })));
  }

  /**
   * Which of the given triples exist *and* open with the configured master keys
   * (a record sealed under a key that is no longer configured, or altered, does
   * not). The values are decrypted only to check and are never returned.
   */
  async readable(db: Db, refs: Array<{ ownerId: string; name: string; version: number }>): Promise<Set<string>> {
    if (refs.length === 0) return new Set();
    const rows: Array<{ owner_id: string; name: string; version: number; key_id: string; wrapped_key: Buffer; ciphertext: Buffer }> = await db("secrets")
      .select("owner_id", "name", "version", "key_id", "wrapped_key", "ciphertext")
      .whereIn(["owner_id", "name", "version"], refs.map((r) => [r.ownerId, r.name, r.version]));
    const readable = new Set<string>();
    for (const row of rows) {
      const ref = formatSecretReference({ ownerId: row.owner_id, name: row.name, version: row.version });
      try {
        this.keyring.decrypt({ keyId: row.key_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext }, ref);
        readable.add(ref);
      } catch {
        // Unknown key id or a failed authentication tag: this reference cannot be delivered.
      }
    }
    return readable;
  }

  /** The plaintext of one version, or undefined when it does not exist. */
  async get(db: Db, ownerId: string, name: string, version: number): Promise<string | undefined> {
    const row = await db("secrets").where({ owner_id: ownerId, name, version }).first();
    if (!row) return undefined;
    return this.keyring.decrypt(
      { keyId: row.key_id, wrappedKey: row.wrapped_key, ciphertext: row.ciphertext },
      formatSecretReference({ ownerId, name, version }),
    );
  }
}
