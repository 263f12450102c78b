import { isProviderError, ProviderError } from "../errors.js";
import { maskConnectionUrl, maskSafeMetadata, redactSecrets, secretPartsOfUrl } from "../masking.js";
import type { ConnectionDescription } from "../provider.js";
import { parseConnectionUrl, type ConnectionUrlRule } from "./parse.js";
import { BUILT_IN_CONNECTION_URL_RULES } from "./rules/index.js";

/**
 * Validates a connection URL with one kind's rule and describes it: safe metadata
 * (never a secret of the URL; a user name equal to the password is masked) and
 * the masked URL. Messages never quote the URL; its likely secrets are redacted
 * once more in case a future message does.
 *
 * @throws ProviderError("invalid_input", field "connection_url") naming what is wrong.
 * @example
 * const mongodb: ConnectionUrlRule = {
 *   kind: "mongodb", schemes: ["mongodb"], example: "mongodb://user:password@host:27017/db",
 *   defaultPort: () => 27017,
 *   metadata: (url) => ({ host: url.host, port: String(url.port), database: url.segments[0] ?? "admin" }),
 * };
 * export const provider = { manifest, describeConnection: (_kind, url) => describeConnectionUrl(url, mongodb) };
 */
export function describeConnectionUrl(connectionUrl: string, rule: ConnectionUrlRule): ConnectionDescription {
  try {
    const parsed = parseConnectionUrl(connectionUrl, rule);
    return { metadata: maskSafeMetadata(rule.metadata(parsed), connectionUrl), maskedUrl: maskConnectionUrl(connectionUrl) };
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw new ProviderError(error.code, redactSecrets(error.message, secretPartsOfUrl(connectionUrl)), { field: error.field });
  }
}

/**
 * `describeConnection` for a provider of one kind: refuses any other kind with
 * ProviderError("unsupported"), then describes the URL with the kind's rule.
 *
 * @example
 * export const provider: Provider = { manifest, describeConnection: connectionDescriber(postgresUrlRule), … };
 */
export function connectionDescriber(rule: ConnectionUrlRule): (kind: string, connectionUrl: string) => ConnectionDescription {
  return (kind, connectionUrl) => {
    if (kind !== rule.kind) throw new ProviderError("unsupported", `this provider handles kind "${rule.kind}", not "${String(kind).slice(0, 40)}"`);
    return describeConnectionUrl(connectionUrl, rule);
  };
}

/**
 * The rule of a built-in kind (postgres, redis, mysql, clickhouse, object-storage,
 * opensearch); ProviderError("unsupported") for any other kind.
 *
 * @example
 * describeConnectionUrl(url, builtInConnectionUrlRule("postgres")).metadata; // { host, port, database, user? , sslmode? }
 */
export function builtInConnectionUrlRule(kind: string): ConnectionUrlRule {
  const rule = BUILT_IN_CONNECTION_URL_RULES.find((r) => r.kind === kind);
  if (!rule) {
    const known = BUILT_IN_CONNECTION_URL_RULES.map((r) => r.kind).join(", ");
    throw new ProviderError("unsupported", `kind "${kind}" has no built-in connection URL rule; built-in kinds: ${known}`);
  }
  return rule;
}
