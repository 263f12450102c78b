import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";

/**
 * bcrypt ($2y$, as the OpenSearch security plugin's own hash tool writes it),
 * so realize can send the security plugin a hash instead of the plaintext
 * password. `bcryptjs` is pure JavaScript (no native build) and hashes in
 * chunks, so the event loop stays free. Checked against libxcrypt's output in
 * test/bcrypt.test.ts.
 */

const SALT_BYTES = 16;

/**
 * A bcrypt hash of `password`, in the `$2y$<cost>$<salt><hash>` form the
 * OpenSearch security plugin stores.
 *
 * @example
 * await bcryptHash("s3cret", 10) // "$2y$10$…"
 */
export async function bcryptHash(password: string, cost: number, salt: Buffer = randomBytes(SALT_BYTES)): Promise<string> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError("bcrypt cost must be an integer from 4 to 31");
  if (salt.length !== SALT_BYTES) throw new RangeError("bcrypt salt must be 16 bytes");
  return bcrypt.hash(password, `$2y$${String(cost).padStart(2, "0")}$${bcrypt.encodeBase64(salt, SALT_BYTES)}`);
}

/** Whether `password` matches a `$2a$`/`$2b$`/`$2y$` hash; false for anything that is not one. */
export async function bcryptVerify(password: string, hash: string): Promise<boolean> {
  if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return false;
  return bcrypt.compare(password, hash).catch(() => false);
}
