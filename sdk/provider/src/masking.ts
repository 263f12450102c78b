const MASK = "****";
const SECRET_QUERY_KEYS = /pass|pwd|secret|token|key|auth|signature|credential/i;

/**
 * Masks the password (and secret-looking query parameters) of a connection URL.
 * Unparseable input is masked whole, because it may still hold a secret.
 *
 * @example
 * maskConnectionUrl("postgres://app:s3cret@db.internal:5432/app") // "postgres://app:****@db.internal:5432/app"
 */
export function maskConnectionUrl(url: string): string {
  // "app:secret@db" parses as scheme "app:" with no password: treat anything
  // that is not scheme://… as unparseable.
  if (!HIERARCHICAL.test(url)) return MASK;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password) parsed.password = MASK;
  for (const key of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, MASK);
  }
  // URL re-encodes "****" in the userinfo as-is; searchParams encodes it too.
  return parsed.toString().replaceAll("%2A%2A%2A%2A", MASK);
}

const HIERARCHICAL = /^[a-z][a-z0-9+.-]*:\/\//i;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@\s/]*)@/gi;

/**
 * Removes secrets from free text (driver errors, log lines): every given secret
 * value, and the password part of any URL it contains.
 *
 * @example
 * redactSecrets(err.message, [password])
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
    if (secret && secret.length >= 4) {
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join(MASK);
    }
  }
  return out.replace(URL_USERINFO, `$1${MASK}@`);
}

/** The secret parts of a connection URL (password, secret query values), for redaction lists. */
export function secretPartsOfUrl(url: string): string[] {
  if (!HIERARCHICAL.test(url)) return [url];
  try {
    const parsed = new URL(url);
    const parts = [decodeURIComponent(parsed.password)];
    for (const [key, value] of parsed.searchParams) if (SECRET_QUERY_KEYS.test(key)) parts.push(value);
    return parts.filter((p) => p.length > 0);
  } catch {
    return [url];
  }
}
