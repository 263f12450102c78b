import type { SafeMetadata } from "./provider.js";
import { decodeLenient, schemeLength, splitUrl, type UrlParts } from "./url-parts.js";
import { isAmbiguous, lenientPasswordCandidates, MASK, maskParts, MAX_STRONG_SECRETS, secretsOf, userinfoParts, type UrlSecrets } from "./url-secrets.js";

// eslint-disable-next-line no-control-regex -- matching whitespace and control characters is the point
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

/** A URL we can mask part by part, or undefined when it must be masked whole. */
function maskable(url: string): { parts: UrlParts; secrets: UrlSecrets } | undefined {
  // "app:secret@db" parses as scheme "app:" with no password: anything that is not scheme://… is unparseable.
  if (schemeLength(url) < 0 || WHITESPACE_OR_CONTROL.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const parts = splitUrl(url);
  if (isAmbiguous(parts)) return undefined;
  const secrets = secretsOf(parts);
  // Belt and braces: whatever the WHATWG parser takes for the password is a secret too.
  if (parsed.password) {
    for (const form of [parsed.password, decodeLenient(parsed.password)]) {
      secrets.hidden.add(form);
      if (!secrets.strong.includes(form)) secrets.strong.push(form);
    }
  }
  if (secrets.strong.length > MAX_STRONG_SECRETS) return undefined;
  return { parts, secrets };
}

/**
 * Masks every part of a connection URL that a driver may read as a secret,
 * keeping the rest as written, so users can still tell connections apart:
 *
 * - the password of the userinfo, and a lone userinfo where the scheme's
 *   clients read it as the password (`redis://SECRET@host`, rediss, valkey);
 * - the value of every query parameter except a short list that describes
 *   where and how to connect (`sslmode`, `region`, `connect_timeout`, `user`, …);
 *   so libpq `options=-c password=…`, `sslpassword`, `sslkey`, `password`,
 *   tokens and signatures are masked, and so is any parameter we do not know;
 * - the `#fragment`;
 * - any other part (user name, host, port, path segment, shown parameter)
 *   that equals one of those secrets or contains one of 4+ characters.
 *
 * Input that is not a parseable `scheme://…` URL, or that a parser could read
 * differently (`postgres://app:12/x@db/app`), is masked whole.
 * Linear in the length of the URL.
 *
 * @example
 * maskConnectionUrl("postgres://app:s3cret@db.internal:5432/app") // "postgres://app:****@db.internal:5432/app"
 * maskConnectionUrl("redis://s3cret@cache.internal:6379/0")       // "redis://****@cache.internal:6379/0"
 * maskConnectionUrl("postgres://app@db/app?options=-c%20password%3Dx&sslmode=require") // "postgres://app@db/app?options=****&sslmode=require"
 */
export function maskConnectionUrl(url: string): string {
  const found = maskable(url);
  return found ? maskParts(found.parts, found.secrets) : MASK;
}

/**
 * The secret parts of a connection URL, for redaction lists: exactly the
 * values {@link maskConnectionUrl} hides, decoded (and raw where the raw form
 * is not plain percent-encoding). For input that is masked whole, the whole
 * input and its likely password.
 *
 * @example
 * redactSecrets(driverError.message, secretPartsOfUrl(connectionUrl))
 */
export function secretPartsOfUrl(url: string): string[] {
  const found = maskable(url);
  if (!found) {
    const schemeEnd = schemeLength(url);
    return [...new Set([url, ...(schemeEnd < 0 ? [] : lenientPasswordCandidates(url, schemeEnd))])];
  }
  const parts = new Set<string>();
  for (const value of [...found.secrets.strong, ...found.secrets.hidden]) {
    const decoded = decodeLenient(value);
    parts.add(decoded);
    if (value !== decoded && value !== encodeURIComponent(decoded)) parts.add(value);
  }
  return [...parts].filter((p) => p.length > 0);
}

/**
 * User name and password as the URL scheme's clients read them, decoded: a lone
 * userinfo is the password for Redis-like schemes (`redis://SECRET@host`) and
 * the user name otherwise. Invalid percent-encoding is returned as written.
 *
 * @example
 * credentialsOfUrl("redis://s3cret@cache:6379")       // { password: "s3cret" }
 * credentialsOfUrl("postgres://app:p%40ss@db/app")    // { user: "app", password: "p@ss" }
 */
export function credentialsOfUrl(url: string): { user?: string; password?: string } {
  if (schemeLength(url) < 0) return {};
  const { user, password, loneSecret } = userinfoParts(splitUrl(url));
  const secret = loneSecret ?? password;
  return { user: user === "" ? undefined : decodeLenient(user), password: secret ? decodeLenient(secret) : undefined };
}

/**
 * Safe metadata with every value that holds a secret of `connectionUrl`
 * replaced by `****`: a user name equal to the password, a database name
 * containing it. Berth applies it to every provider's metadata before storing
 * it; providers may call it themselves.
 *
 * @example
 * maskSafeMetadata({ host: "db", user: "s3cret-pw" }, "postgres://s3cret-pw:s3cret-pw@db/app") // { host: "db", user: "****" }
 */
export function maskSafeMetadata(metadata: SafeMetadata, connectionUrl: string): SafeMetadata {
  const found = maskable(connectionUrl);
  const hidden = found ? found.secrets.hidden : new Set(secretPartsOfUrl(connectionUrl));
  const needles = (found ? found.secrets.strong : [...hidden]).filter((s) => s.length >= 4);
  const masked: SafeMetadata = {};
  for (const [key, value] of Object.entries(metadata)) {
    masked[key] = hidden.has(value) || needles.some((n) => value.includes(n)) ? MASK : value;
  }
  return masked;
}

/**
 * Removes secrets from free text (driver errors, log lines): every given
 * secret value (4+ characters, raw and percent-encoded), and the secret parts
 * of any `scheme://…` URL in the text, by the rules of
 * {@link maskConnectionUrl} (a URL runs to the next whitespace or quote).
 * Linear in the length of the text for each given secret.
 *
 * @example
 * redactSecrets(err.message, [password])
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return maskUrlsInText(out);
}

/**
 * Finds each "://" with indexOf and masks the URL around it. The scheme is
 * read backwards and stops at the previous URL's end or at any ":" or "/",
 * the URL forwards to whitespace or a quote, so each character is looked at a
 * bounded number of times: no regular expression can backtrack here.
 */
function maskUrlsInText(text: string): string {
  let out = "";
  let copied = 0;
  let from = 0;
  for (;;) {
    const separator = text.indexOf("://", from);
    if (separator < 0) break;
    let start = separator;
    while (start > copied && isSchemeChar(text.charCodeAt(start - 1))) start--;
    while (start < separator && !isLetter(text.charCodeAt(start))) start++;
    if (start === separator) {
      from = separator + 3;
      continue;
    }
    let end = separator + 3;
    while (end < text.length && !endsUrl(text.charCodeAt(end))) end++;
    // "…/app: refused", "(see …/app)." — trailing punctuation is the sentence's, not the URL's.
    while (end > separator + 3 && TRAILING_PUNCTUATION.includes(text[end - 1])) end--;
    out += text.slice(copied, start) + maskUrlInText(text.slice(start, end));
    copied = end;
    from = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Like maskConnectionUrl, without demanding a URL the parser accepts: text quotes what it quotes. */
function maskUrlInText(url: string): string {
  const parts = splitUrl(url);
  const secrets = secretsOf(parts);
  if (isAmbiguous(parts) || secrets.strong.length > MAX_STRONG_SECRETS) return `${parts.scheme}://${MASK}`;
  return maskParts(parts, secrets);
}

const TRAILING_PUNCTUATION = ".,;:!?)]}";

function isLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isSchemeChar(c: number): boolean {
  return isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/** Whitespace, control characters, quotes and angle brackets end a URL quoted in text. */
function endsUrl(c: number): boolean {
  return c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x60;
}
