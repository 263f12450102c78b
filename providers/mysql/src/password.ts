import { createHash } from "node:crypto";

/**
 * The `mysql_native_password` hash of a password, as MariaDB stores it:
 * `*` + upper-case hex of SHA1(SHA1(password)). Sent instead of the plaintext
 * (`IDENTIFIED BY PASSWORD '*…'`), so the general, slow and binary logs of the
 * server never see the password.
 */
export function nativePasswordHash(password: string): string {
  const inner = createHash("sha1").update(password, "utf8").digest();
  return `*${createHash("sha1").update(inner).digest("hex").toUpperCase()}`;
}
