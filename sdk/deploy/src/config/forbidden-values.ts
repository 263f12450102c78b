/**
 * Value shapes berth.yaml may never contain, in any string anywhere in the file:
 * credentials and connections are recognised by what they look like, not only by
 * the key they sit under (a token pasted into `run.command` is still a token).
 */
export interface ForbiddenValueRule {
  /** Stable id, used by tests and docs. */
  id: string;
  /** What the value looks like, for the message: "a URL with a password". */
  looksLike: string;
  instead: string;
  /** Also applied to comments: the rule only matches actual secret material. */
  appliesToComments: boolean;
  matches(value: string): boolean;
}

const CREDENTIALS_INSTEAD = "Berth generates dependency credentials and delivers them to the resource through `bind.env`";

const CONNECTION_SCHEMES = [
  "postgres", "postgresql", "redis", "rediss", "valkey", "mysql", "mysqlx", "mariadb", "mongodb", "mongodb\\+srv",
  "clickhouse", "clickhouses", "amqp", "amqps", "s3", "s3a", "s3n", "gs", "gcs", "abfss?", "wasbs?", "opensearch",
  "elasticsearch", "memcached", "cassandra", "cockroachdb", "mssql", "sqlserver", "oracle", "nats", "tls", "sqlite3?", "jdbc:[a-z0-9]+",
];
const CONNECTION_URL = new RegExp(`(?<![a-z0-9+.-])(?:${CONNECTION_SCHEMES.join("|")})://`, "i");
const URL_WITH_PASSWORD = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/?#@:]{0,256}:[^\s/?#@]{1,256}@/i;
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----/;
const BERTH_HANDLE = /(?<![A-Za-z0-9])(?:bkp|rst|dbp|bat)_[A-Za-z0-9]{8,}|secret:\/\//;

const KNOWN_TOKENS: readonly RegExp[] = [
  /(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}(?![A-Z0-9])/, // AWS access key id
  /(?<![A-Za-z0-9])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/, // GitHub tokens
  /(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}/,
  /(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/, // Slack
  /hooks\.slack\.com\/services\/[A-Za-z0-9/]+/,
  /(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/, // Stripe
  /(?<![A-Za-z0-9])sk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{20,}/, // OpenAI, Anthropic
  /(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/, // Google API key
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, // JWT
  /(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}/,
  /(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, // SendGrid
  /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}/, // Hugging Face
];

/** `Password=…;`-style and libpq `host=… password=…` connection strings. */
const SECRET_PAIR_KEYS = new Set(["password", "pwd", "accountkey", "sharedaccesskey", "sharedaccesssignature", "sslpassword"]);
const HOST_PAIR_KEYS = new Set(["server", "host", "hostaddr", "data source", "address", "addr", "endpoint", "defaultendpointsprotocol", "blobendpoint"]);
const TARGET_PAIR_KEYS = new Set(["database", "dbname", "initial catalog", "uid", "user id", "user", "username", "accountname"]);

function isKeyValueConnection(value: string): boolean {
  const keys = new Set<string>();
  for (const match of value.matchAll(/(?:^|[;\s])([A-Za-z][A-Za-z ]{0,24}?)\s*=\s*[^;\s]/g)) keys.add(match[1].trim().toLowerCase());
  if ([...keys].some((k) => SECRET_PAIR_KEYS.has(k))) return true;
  return [...keys].some((k) => HOST_PAIR_KEYS.has(k)) && [...keys].some((k) => TARGET_PAIR_KEYS.has(k));
}

/** `DB_PASSWORD=hunter2 node server.js`, `--api-key=…`; a `$VARIABLE` reference or a file path is fine. */
function isInlineCredential(value: string): boolean {
  for (const match of value.matchAll(/(?:^|[\s;,'"])-{0,2}([A-Za-z][A-Za-z0-9_.-]{0,127})[=:]([^\s'"]*)/g)) {
    const name = match[1].toLowerCase().replace(/[^a-z0-9]/g, "");
    const assigned = match[2];
    // `--password-file=./pw`, `--token=$TOKEN`: a reference to where the secret is, not the secret.
    if (!assigned || assigned.startsWith("$") || assigned.startsWith("/") || /(file|path|dir)$/.test(name)) continue;
    if (/(password|passwd|passphrase|secret|token|apikey|accesskey|privatekey)/.test(name) || /(^|[^a-z])pwd$/.test(name)) return true;
  }
  return false;
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const MIN_TOKEN_LENGTH = 20;
const MIN_TOKEN_ENTROPY = 3.5;

/**
 * Pieces of names people write: `server`, `v2`, `SNAPSHOT`, `4096`, `OrderService2Application`.
 * Random tokens almost never split into such pieces, so a run made only of them is not a token.
 */
function isWordLike(segment: string): boolean {
  return (
    segment === "" ||
    /^[0-9]+$/.test(segment) ||
    /^[a-z]+[0-9]{0,3}[a-z]{0,2}$/.test(segment) ||
    /^[A-Z]+[0-9]{0,3}$/.test(segment) ||
    // camelCase and PascalCase words; each hump after the first starts with a capital, so this never backtracks
    /^[A-Z]?[a-z]{2,}[0-9]{0,2}(?:[A-Z][a-z]{2,}[0-9]{0,2})*$/.test(segment)
  );
}

/** True when some run of token characters in `value` looks like a random secret. */
export function hasHighEntropyToken(value: string): boolean {
  for (const [run] of value.matchAll(/[A-Za-z0-9+/=_-]{20,}/g)) {
    // An absolute path (`/tmp/build-x7Qk2/app`) is judged segment by segment: its
    // directories are names, and a temp directory's short random suffix is not a secret.
    const candidates = run.startsWith("/") ? run.split("/").filter((segment) => segment.length >= MIN_TOKEN_LENGTH) : [run];
    for (const candidate of candidates) if (looksRandom(candidate)) return true;
  }
  return false;
}

function looksRandom(candidate: string): boolean {
  if (candidate.length < MIN_TOKEN_LENGTH) return false;
  if (candidate.split(/[/_+=-]+/).every(isWordLike)) return false;
  const hasDigit = /[0-9]/.test(candidate);
  const hasLower = /[a-z]/.test(candidate);
  const hasUpper = /[A-Z]/.test(candidate);
  const isMixed = (hasDigit && (hasLower || hasUpper)) || (hasLower && hasUpper);
  return isMixed && shannonEntropy(candidate) >= MIN_TOKEN_ENTROPY;
}

export const FORBIDDEN_VALUE_RULES: readonly ForbiddenValueRule[] = [
  {
    id: "pem-block",
    looksLike: "a PEM block (private key or certificate)",
    instead: "keys and certificates are secrets; keep them in your secret manager",
    appliesToComments: true,
    matches: (v) => PEM_BLOCK.test(v),
  },
  {
    id: "url-with-password",
    looksLike: "a URL with a password (scheme://user:password@host)",
    instead: CREDENTIALS_INSTEAD,
    appliesToComments: true,
    matches: (v) => URL_WITH_PASSWORD.test(v),
  },
  {
    id: "connection-string",
    looksLike: "a raw connection string",
    instead: `${CREDENTIALS_INSTEAD}; declare the dependency by \`kind\` (or \`source: existing\` + \`name\`) instead`,
    appliesToComments: false,
    matches: (v) => CONNECTION_URL.test(v) || isKeyValueConnection(v),
  },
  {
    id: "inline-credential",
    looksLike: "an inline credential (a password, secret, token or key assigned a value)",
    instead: "pass credentials to the resource through bindings or your runtime's secret store; a `$VARIABLE` reference is fine",
    appliesToComments: true,
    matches: isInlineCredential,
  },
  {
    id: "berth-handle",
    looksLike: "a Berth secret reference or backup, restore, policy or attempt handle",
    instead: "config declares what should exist; Berth finds its own records by dependency, and restores are explicit `berth dependency backup restore bkp_…` operations",
    appliesToComments: false,
    matches: (v) => BERTH_HANDLE.test(v),
  },
  {
    id: "known-token",
    looksLike: "an access token or API key (known provider token format)",
    instead: "tokens are credentials; keep them in your secret manager, never in the repository",
    appliesToComments: true,
    matches: (v) => KNOWN_TOKENS.some((re) => re.test(v)),
  },
  {
    id: "high-entropy",
    looksLike: "a high-entropy token (a random-looking string such as a key or password)",
    instead: "tokens are credentials; keep them in your secret manager, never in the repository",
    appliesToComments: true,
    matches: hasHighEntropyToken,
  },
];

/** The first rule a string value breaks, if any. */
export function forbiddenValueRule(value: string, where: "value" | "comment" = "value"): ForbiddenValueRule | undefined {
  return FORBIDDEN_VALUE_RULES.find((rule) => (where === "value" || rule.appliesToComments) && rule.matches(value));
}
