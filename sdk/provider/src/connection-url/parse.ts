import { isProviderError, ProviderError } from "../errors.js";
import { credentialsOfUrl } from "../masking.js";

/** What every kind needs from a connection URL, already validated and decoded. */
export interface ParsedConnectionUrl {
  /** Lower-case scheme without "://". */
  scheme: string;
  /** Host name or IP; IPv6 without brackets. */
  host: string;
  port: number;
  /**
   * Decoded user name; undefined when the URL has none, or when its kind's
   * clients read a lone userinfo as the password (`redis://SECRET@host`).
   */
  user?: string;
  /** Decoded path segments, without the leading and one trailing slash. */
  segments: string[];
  query: URLSearchParams;
}

/** How one kind's connection URLs look: schemes, default port, and the kind-specific checks that yield safe metadata. */
export interface ConnectionUrlRule {
  kind: string;
  schemes: readonly string[];
  /** Shown in error messages so the user sees the expected shape. */
  example: string;
  defaultPort(scheme: string): number;
  /** Validates the kind-specific parts and returns safe metadata. */
  metadata(url: ParsedConnectionUrl): Record<string, string>;
}

/** Every validation failure goes through here so the field is always set. */
export function invalidConnectionUrl(message: string): ProviderError {
  return new ProviderError("invalid_input", message, { field: "connection_url" });
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
// Checked before the URL parser, which accepts some control characters silently.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

/**
 * Parses and checks the parts common to all kinds. We read the authority
 * ourselves first because Node's URL parser rejects bad ports and empty hosts
 * with one opaque error, and drops ports equal to the scheme default.
 * Messages never quote the input: a mistyped URL can put the password anywhere.
 * Failures are `invalid_input` on `field`: "connection_url" unless the URL is
 * another one of the kind's shape, e.g. a realization target's "admin_url".
 *
 * @example
 * const { host, port, user } = parseConnectionUrl(request.target.adminUrl, mysqlUrlRule, "admin_url");
 */
export function parseConnectionUrl(url: string, spec: ConnectionUrlRule, field = "connection_url"): ParsedConnectionUrl {
  try {
    return parseParts(url, spec);
  } catch (error) {
    if (field === "connection_url" || !isProviderError(error)) throw error;
    throw new ProviderError(error.code, error.message, { field });
  }
}

function parseParts(url: string, spec: ConnectionUrlRule): ParsedConnectionUrl {
  const schemeMatch = SCHEME.exec(url.trim());
  if (!schemeMatch) throw invalidConnectionUrl(`not a valid URL; expected ${spec.example}`);
  if (WHITESPACE_OR_CONTROL.test(url)) throw invalidConnectionUrl("connection URL must not contain whitespace or control characters");
  const scheme = schemeMatch[1].toLowerCase();
  if (!spec.schemes.includes(scheme)) {
    const accepted = spec.schemes.map((s) => `${s}://`).join(", ");
    throw invalidConnectionUrl(`scheme "${scheme}" is not accepted for ${spec.kind}; use one of ${accepted}`);
  }

  const { hostPart, portPart } = splitAuthority(url.slice(schemeMatch[0].length));
  if (hostPart === "") throw invalidConnectionUrl(`host is required; expected ${spec.example}`);
  const port = portPart === undefined ? spec.defaultPort(scheme) : parsePort(portPart);

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidConnectionUrl(`not a valid URL (check the host name and percent-encoding); expected ${spec.example}`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw invalidConnectionUrl(`host is required; expected ${spec.example}`);

  return {
    scheme,
    host,
    port,
    user: parsed.username === "" ? undefined : userOf(url, parsed.username),
    segments: pathSegments(parsed.pathname),
    query: parsed.searchParams,
  };
}

/** Host and raw port text of "userinfo@host:port/..."; the port is undefined when absent. */
function splitAuthority(rest: string): { hostPart: string; portPart?: string } {
  // Backslash ends the authority too, as it does for http(s) in the WHATWG parser.
  const authority = rest.split(/[/?#\\]/, 1)[0];
  // The last "@" wins, like the WHATWG parser: passwords may contain a raw "@".
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  if (hostPort.startsWith("[")) {
    const ipv6 = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
    if (!ipv6) throw invalidConnectionUrl("host is not a valid bracketed IPv6 address");
    return { hostPart: ipv6[1], portPart: ipv6[2] };
  }
  const colon = hostPort.indexOf(":");
  if (colon < 0) return { hostPart: hostPort };
  return { hostPart: hostPort.slice(0, colon), portPart: hostPort.slice(colon + 1) };
}

function parsePort(text: string): number {
  // The bad value is not echoed: with an unencoded "/" in a password, the
  // password's tail lands where the port should be.
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw invalidConnectionUrl("port must be an integer from 1 to 65535");
  return port;
}

/** The user name as the scheme's clients read it; a lone Redis userinfo is the password, not a user. */
function userOf(url: string, rawUser: string): string | undefined {
  decode(rawUser, "user name");
  return credentialsOfUrl(url).user;
}

function pathSegments(pathname: string): string[] {
  const trimmed = pathname.replace(/^\//, "").replace(/\/$/, "");
  return trimmed === "" ? [] : trimmed.split("/").map((s) => decode(s, "path"));
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidConnectionUrl(`${what} has invalid percent-encoding`);
  }
}

/**
 * The one path segment of a kind whose path names a single thing (a database, a
 * db index, an index), or undefined for an empty path. A longer path is refused;
 * with `required`, so is an empty one, showing the rule's example.
 *
 * @example
 * const database = singlePathSegment(url, postgresUrlRule, "database", "a database name"); // "app" of postgres://…/app
 */
export function singlePathSegment(url: ParsedConnectionUrl, rule: Pick<ConnectionUrlRule, "kind" | "example">, what: string, required: string): string;
export function singlePathSegment(url: ParsedConnectionUrl, rule: Pick<ConnectionUrlRule, "kind" | "example">, what: string): string | undefined;
export function singlePathSegment(url: ParsedConnectionUrl, rule: Pick<ConnectionUrlRule, "kind" | "example">, what: string, required?: string): string | undefined {
  const [segment, ...extra] = url.segments;
  if (required && !segment) throw invalidConnectionUrl(`${rule.kind} connection URL needs ${required} as its path, e.g. ${rule.example}`);
  if (extra.length > 0) throw invalidConnectionUrl(`${rule.kind} connection URL path must be only /<${what}>`);
  return segment;
}

/** The metadata of a kind reached at host:port: host, port, the kind's own `fields`, and the user when the URL names one. */
export function serverMetadata(url: ParsedConnectionUrl, fields: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = { host: url.host, port: String(url.port), ...fields };
  if (url.user) metadata.user = url.user;
  return metadata;
}

/** "host:port", bracketing IPv6 so the port stays readable. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
