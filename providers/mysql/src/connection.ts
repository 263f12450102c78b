import { credentialsOfUrl, mysqlUrlRule, parseConnectionUrl } from "@berth/provider-sdk";

/** What a client needs to reach a MySQL/MariaDB server; `password` is a secret. */
export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Empty when the URL names no database (an admin URL). */
  database: string;
}

/**
 * Reads `mysql://user:password@host:port/database` (or `mariadb://`) with the
 * SDK's mysql URL rule, so admin and connection URLs are read as
 * describeConnection reads them. Messages never quote the URL: it holds the password.
 */
export function parseEndpoint(url: string, field: string): MysqlEndpoint {
  const parsed = parseConnectionUrl(url, mysqlUrlRule, field);
  return {
    host: parsed.host,
    port: parsed.port,
    user: parsed.user ?? "",
    password: credentialsOfUrl(url).password ?? "",
    database: parsed.segments.join("/"),
  };
}

/** The connection URL Berth delivers for a realized dependency. */
export function deliveredUrl(host: string, port: number, user: string, password: string, database: string): string {
  const url = new URL(`mysql://placeholder@${host.includes(":") ? `[${host}]` : host}:${port}/${encodeURIComponent(database)}`);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Driver error codes that mean "the server is not there or will not let us in". */
const UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
  "ER_CON_COUNT_ERROR",
  "ER_TOO_MANY_USER_CONNECTIONS",
  "ER_HOST_NOT_PRIVILEGED",
  "ER_HOST_IS_BLOCKED",
]);

export function isUnavailableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && UNAVAILABLE.has(code);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name;
  return String(error);
}
