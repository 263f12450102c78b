/**
 * Key names berth.yaml may never contain, wherever they appear. Keys are compared
 * case- and separator-insensitively ("API_KEY", "apiKey" and "api-key" are one key).
 */
export interface ForbiddenKeyRule {
  /** Stable id, used by tests and docs. */
  id: string;
  /** What the key holds, for the message: "passwords". */
  holds: string;
  /** Why it does not belong in the file and what to do instead. */
  instead: string;
  matches(normalizedKey: string, parentPath: readonly (string | number)[]): boolean;
}

const CREDENTIALS_INSTEAD =
  "Berth generates dependency credentials, stores them encrypted and delivers them to the resource through `bind.env`";

const DATA_STORE_WORDS = /(database|db|postgres|pg|redis|mysql|mariadb|mongo|clickhouse|opensearch|elastic|s3|bucket|storage|cache|amqp|rabbit|kafka|nats|connection|conn)/;

/** `url`/`uri` keys are a connection inside a dependency, or when they name a data store (DATABASE_URL). */
function isConnectionUrlKey(key: string, parentPath: readonly (string | number)[]): boolean {
  if (!/(url|uri|urls|uris)$/.test(key)) return false;
  if (parentPath.length === 1 && parentPath[0] === "run" && key === "healthurl") return false;
  return parentPath[0] === "dependencies" || DATA_STORE_WORDS.test(key.replace(/(url|uri|urls|uris)$/, ""));
}

export const FORBIDDEN_KEY_RULES: readonly ForbiddenKeyRule[] = [
  {
    id: "password",
    holds: "passwords",
    instead: CREDENTIALS_INSTEAD,
    matches: (k) => /(password|passwd|passphrase|passcode)/.test(k) || /^(pw|pass|pwd)$/.test(k) || k.endsWith("pwd"),
  },
  {
    id: "secret",
    holds: "secret values",
    instead: "secrets live in Berth's encrypted secret store and reach the resource through bindings",
    matches: (k) => k.includes("secret"),
  },
  {
    id: "token",
    holds: "tokens",
    instead: "tokens are credentials; keep them in your secret manager, never in the repository",
    matches: (k) => k.includes("token"),
  },
  {
    id: "api-key",
    holds: "API, access or private keys",
    instead: "keys are credentials; keep them in your secret manager, never in the repository",
    matches: (k) =>
      /(apikey|accesskey|privatekey|signingkey|encryptionkey|masterkey|clientkey|sshkey|authkey|hmackey|sharedkey|saskey|licensekey)/.test(k) ||
      /^keys?$/.test(k),
  },
  {
    id: "credentials",
    holds: "credentials",
    instead: CREDENTIALS_INSTEAD,
    matches: (k) => /(credential|creds?$|authorization|basicauth)/.test(k) || /^(auth|user|username|login|dbuser)$/.test(k),
  },
  {
    id: "connection",
    holds: "connection strings",
    instead: `${CREDENTIALS_INSTEAD}; declare the dependency by \`kind\` (or \`source: existing\` + \`name\`) instead`,
    matches: (k, parent) =>
      /(connectionstring|connectionurl|connectionuri|connstr|connstring|jdbc)/.test(k) ||
      /^(connection|connections|conn|dsn)$/.test(k) ||
      k.endsWith("dsn") ||
      isConnectionUrlKey(k, parent),
  },
  {
    id: "provider-account",
    holds: "provider accounts or tenants",
    instead: "realization targets and provider accounts are operator configuration of the Berth server, never repository config",
    matches: (k) =>
      /(account|tenant|subscriptionid)/.test(k) || /^(org|orgid|orgname|organi[sz]ation|organi[sz]ationid|organi[sz]ationname)$/.test(k),
  },
  {
    id: "policy-id",
    holds: "backup policy ids",
    instead: "deploy creates and updates the policy from the `backup` block and finds it by dependency",
    matches: (k) => /policy(id|ids|ref|handle)$/.test(k),
  },
  {
    id: "provider-key",
    holds: "provider keys",
    instead: "which provider realizes a kind is operator configuration of the Berth server, never repository config",
    matches: (k) => /^provider(key|keys|id|ref|handle)$/.test(k) || (k.includes("provider") && k.endsWith("key") && k.indexOf("provider") + 8 <= k.length - 3),
  },
  {
    id: "artifact",
    holds: "backup artifact handles",
    instead: "backup artifacts are internal to Berth's backup service; list backups with `berth dependency backup list dep_…` and restore one with `berth dependency backup restore bkp_…`",
    matches: (k) => k.includes("artifact"),
  },
  {
    id: "backup-id",
    holds: "backup ids",
    instead: "a config declares a backup policy, never a particular backup; restore with `berth dependency backup restore bkp_… --acknowledge-data-overwrite`",
    matches: (k) => /^backup(id|ids|handle|ref|key)$/.test(k),
  },
  {
    id: "restore-point",
    holds: "restore point ids",
    instead: "restores are explicit, acknowledged operations (`berth dependency backup restore bkp_… --acknowledge-data-overwrite`), never repository config",
    matches: (k) => k.includes("restorepoint") || /^restore(id|from|source|ref|handle|target)$/.test(k) || /^snapshot(id|ref|handle)?$/.test(k),
  },
  {
    id: "dump-path",
    holds: "raw dump paths",
    instead: "native backups are written and restored by Berth's backup service, never from a path in the repository",
    matches: (k) => k.includes("dump") || /^backup(file|path|dir|location|url|uri)$/.test(k),
  },
];

/** "API_KEY" → "apikey". */
export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The first rule a key name breaks, if any. */
export function forbiddenKeyRule(key: string, parentPath: readonly (string | number)[]): ForbiddenKeyRule | undefined {
  const normalized = normalizeKey(key);
  return FORBIDDEN_KEY_RULES.find((rule) => rule.matches(normalized, parentPath));
}
