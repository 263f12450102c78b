import { decodeLenient, hostOf, type UrlParts } from "./url-parts.js";

export const MASK = "****";

/**
 * Schemes whose clients read a lone userinfo (`redis://SECRET@host`) as the
 * password: redis-cli, go-redis and Berth's own Redis provider do.
 */
const LONE_USERINFO_IS_PASSWORD = new Set(["redis", "rediss", "valkey", "valkeys", "redis+sentinel", "rediss+sentinel", "redis+socket", "keydb"]);

/**
 * Query parameters that describe where and how to connect and are shown as
 * written, compared lower-cased without "-" and "_". Every other parameter's
 * value is masked: an unknown parameter may carry a credential (libpq
 * `options=-c password=…`, `sslpassword`, a signed token), so we mask rather
 * than leak.
 */
const SHOWN_QUERY_KEYS = new Set([
  // where
  "host", "hostaddr", "port", "database", "db", "dbname", "schema", "searchpath", "region", "endpoint", "bucket", "index",
  // who (a user name is shown like the userinfo's; it is masked when it equals a secret)
  "user", "username",
  // transport
  "ssl", "tls", "secure", "sslmode", "sslrootcert", "sslcert", "sslcompression", "sslnegotiation", "channelbinding", "gssencmode",
  "protocol", "family", "compress", "compression", "forcepathstyle", "pathstyle",
  // behaviour
  "applicationname", "targetsessionattrs", "connecttimeout", "timeout", "sockettimeout", "charset", "clientencoding", "timezone",
  // Berth target settings (object-storage `isolation=none|minio-user`)
  "isolation",
]);

/** Parameter names that say the value is a credential; such values are also searched for elsewhere in the URL. */
const SECRET_QUERY_KEY = /pass|pwd|secret|token|key|auth|sig|credential|options|session|cookie|jwt|bearer/i;

/**
 * The most secrets one URL may name before it is masked whole: a real
 * connection URL has one or two, and the "appears elsewhere" search costs
 * (secrets × URL length).
 */
export const MAX_STRONG_SECRETS = 32;

export interface UrlSecrets {
  /**
   * Values that name a secret outright (password, lone Redis userinfo, secret
   * parameters, fragment), decoded and raw: any component that contains one is masked.
   */
  strong: string[];
  /** Every value the mask hides, decoded and raw: any component equal to one is masked. */
  hidden: Set<string>;
}

/** The secret values of a split URL. */
export function secretsOf(parts: UrlParts): UrlSecrets {
  const strong = new Set<string>();
  const hidden = new Set<string>();
  const add = (raw: string, isStrong: boolean, forms = formsOf(raw)) => {
    for (const form of forms) {
      if (form === "") continue;
      hidden.add(form);
      if (isStrong) strong.add(form);
    }
  };
  const { password, loneSecret } = userinfoParts(parts);
  if (password) add(password, true);
  if (loneSecret) add(loneSecret, true);
  for (const piece of queryPieces(parts.query)) {
    if (piece.value === undefined) add(piece.key, false, queryForms(piece.key));
    else if (!SHOWN_QUERY_KEYS.has(normalizeKey(piece.key))) add(piece.value, SECRET_QUERY_KEY.test(piece.key), queryForms(piece.value));
  }
  if (parts.fragment) add(parts.fragment, true);
  return { strong: [...strong], hidden };
}

/**
 * The URL with every secret part replaced by `****`, and every other
 * component (user name, host, port, path segment, shown parameter) masked
 * when it equals a hidden value or contains a strong one of 4+ characters.
 */
export function maskParts(parts: UrlParts, secrets: UrlSecrets): string {
  const needles = secrets.strong.filter((s) => s.length >= 4);
  const isSecretish = (raw: string, forms = formsOf(raw)) => forms.some((form) => secrets.hidden.has(form) || needles.some((n) => form.includes(n)));
  let out = `${parts.scheme}://`;

  if (parts.userinfo !== undefined) {
    const { user, password, loneSecret } = userinfoParts(parts);
    if (loneSecret !== undefined) out += loneSecret === "" ? "" : MASK;
    else out += user === "" || !isSecretish(user) ? user : MASK;
    if (password !== undefined) out += `:${password === "" ? "" : MASK}`;
    out += "@";
  }

  const host = hostOf(parts.hostPort);
  const close = parts.hostPort.startsWith("[") ? parts.hostPort.indexOf("]") : -1;
  const port = parts.hostPort.startsWith("[") ? (close < 0 ? "" : parts.hostPort.slice(close + 1)) : parts.hostPort.slice(host.length);
  out += host !== "" && isSecretish(host) ? MASK : parts.hostPort.slice(0, parts.hostPort.length - port.length);
  out += port.length > 1 && isSecretish(port.slice(1)) ? `:${MASK}` : port;

  out += parts.path
    .split("/")
    .map((segment) => (segment !== "" && isSecretish(segment) ? MASK : segment))
    .join("/");

  if (parts.query !== undefined) {
    const pieces = queryPieces(parts.query).map(({ key, value }) => {
      if (value === undefined) return key === "" ? "" : MASK;
      const shownKey = isSecretish(key, queryForms(key)) ? MASK : key;
      if (value === "") return `${shownKey}=`;
      const shown = SHOWN_QUERY_KEYS.has(normalizeKey(key)) && !isSecretish(value, queryForms(value));
      return `${shownKey}=${shown ? value : MASK}`;
    });
    out += `?${pieces.join("&")}`;
  }
  if (parts.fragment !== undefined) out += `#${parts.fragment === "" ? "" : MASK}`;
  return out;
}

/**
 * True when the WHATWG parser and a human would read the URL differently: no
 * "@" in the authority but one in the path, after a "host:port" whose "port"
 * is the head of a password with an unencoded "/" (`postgres://app:12/x@db/app`).
 */
export function isAmbiguous(parts: UrlParts): boolean {
  return parts.userinfo === undefined && parts.hostPort.includes(":") && parts.path.includes("@");
}

/**
 * Likely secrets of a URL the parser refuses or misreads, for redaction lists:
 * what follows the first ":" after "scheme://" up to the last "@" (raw and
 * decoded), and its head before an unencoded "/", "?" or "#", which parsers
 * take for the port.
 */
export function lenientPasswordCandidates(text: string, schemeEnd: number): string[] {
  const start = schemeEnd + 3;
  let i = start;
  while (i < text.length && text[i] !== ":" && text[i] !== "@" && text[i] !== "/") i++;
  const at = text.lastIndexOf("@");
  if (text[i] !== ":" || at <= i) return [];
  const raw = text.slice(i + 1, at);
  let headEnd = 0;
  while (headEnd < raw.length && raw[headEnd] !== "/" && raw[headEnd] !== "?" && raw[headEnd] !== "#") headEnd++;
  return [...new Set([raw, raw.slice(0, headEnd), decodeLenient(raw)])].filter((s) => s !== "");
}

/**
 * User and password as a client of the scheme reads them, raw (not decoded).
 * `loneSecret` is set instead of `user` when the scheme takes a lone userinfo as the password.
 */
export function userinfoParts(parts: UrlParts): { user: string; password?: string; loneSecret?: string } {
  const userinfo = parts.userinfo;
  if (userinfo === undefined) return { user: "" };
  const colon = userinfo.indexOf(":");
  if (colon >= 0) return { user: userinfo.slice(0, colon), password: userinfo.slice(colon + 1) };
  if (LONE_USERINFO_IS_PASSWORD.has(parts.scheme.toLowerCase())) return { user: "", loneSecret: userinfo };
  return { user: userinfo };
}

function queryPieces(query: string | undefined): Array<{ key: string; value?: string }> {
  if (query === undefined) return [];
  return query.split("&").map((piece) => {
    const eq = piece.indexOf("=");
    return eq < 0 ? { key: piece } : { key: piece.slice(0, eq), value: piece.slice(eq + 1) };
  });
}

function normalizeKey(key: string): string {
  return decodeLenient(key).toLowerCase().replaceAll("-", "").replaceAll("_", "");
}

/** Raw and percent-decoded forms of a component. */
function formsOf(raw: string): string[] {
  const decoded = decodeLenient(raw);
  return decoded === raw ? [raw] : [raw, decoded];
}

/** Query components also decode "+" as a space (URLSearchParams does; libpq does not). */
function queryForms(raw: string): string[] {
  const forms = formsOf(raw);
  if (raw.includes("+")) forms.push(decodeLenient(raw.replaceAll("+", " ")));
  return forms;
}
