/**
 * A connection URL cut into its raw pieces, the way the WHATWG parser (and
 * libpq, redis-cli, the MySQL drivers) delimit them: the authority ends at the
 * first "/", "?" or "#" ("\" too for http-like schemes), the userinfo ends at
 * the authority's last "@", the query at "#". Nothing is decoded or
 * normalized, so a masked URL keeps everything it does not mask byte for byte.
 * Every step is an index scan: linear in the input, no regular expressions.
 */
export interface UrlParts {
  /** As written, without "://". */
  scheme: string;
  /** Raw userinfo before the last "@" of the authority; undefined when there is no "@". */
  userinfo?: string;
  /** Raw "host[:port]". */
  hostPort: string;
  /** Raw path, starting with "/" (or "" when absent). */
  path: string;
  /** Raw query without "?"; undefined when there is no "?". */
  query?: string;
  /** Raw fragment without "#"; undefined when there is no "#". */
  fragment?: string;
}

// Schemes the WHATWG parser treats as "special": a backslash ends their authority too.
const SPECIAL_SCHEMES = new Set(["http", "https", "ws", "wss", "ftp", "file"]);

/** Length of the "scheme:" prefix when `text` starts with `scheme://`, else -1. */
export function schemeLength(text: string): number {
  if (!isSchemeStart(text.charCodeAt(0))) return -1;
  let i = 1;
  while (i < text.length && isSchemeChar(text.charCodeAt(i))) i++;
  return text.startsWith("://", i) ? i : -1;
}

/** Splits `text`, which must start with `scheme://` (see {@link schemeLength}). */
export function splitUrl(text: string): UrlParts {
  const schemeEnd = schemeLength(text);
  if (schemeEnd < 0) throw new Error("splitUrl: not scheme://…");
  const scheme = text.slice(0, schemeEnd);
  const special = SPECIAL_SCHEMES.has(scheme.toLowerCase());
  const start = schemeEnd + 3;
  let authorityEnd = start;
  while (authorityEnd < text.length) {
    const c = text[authorityEnd];
    if (c === "/" || c === "?" || c === "#" || (special && c === "\\")) break;
    authorityEnd++;
  }
  const authority = text.slice(start, authorityEnd);
  const at = authority.lastIndexOf("@");
  const hash = text.indexOf("#", authorityEnd);
  const beforeHash = hash < 0 ? text.length : hash;
  const question = text.indexOf("?", authorityEnd);
  const hasQuery = question >= 0 && question < beforeHash;
  return {
    scheme,
    userinfo: at < 0 ? undefined : authority.slice(0, at),
    hostPort: authority.slice(at + 1),
    path: text.slice(authorityEnd, hasQuery ? question : beforeHash),
    query: hasQuery ? text.slice(question + 1, beforeHash) : undefined,
    fragment: hash < 0 ? undefined : text.slice(hash + 1),
  };
}

/** The host name of "host[:port]", without IPv6 brackets. */
export function hostOf(hostPort: string): string {
  if (hostPort.startsWith("[")) {
    const close = hostPort.indexOf("]");
    return close < 0 ? hostPort.slice(1) : hostPort.slice(1, close);
  }
  const colon = hostPort.indexOf(":");
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

/** Percent-decodes, or returns the input when its encoding is invalid (the raw form is then what a reader sees). */
export function decodeLenient(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function isSchemeStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isSchemeChar(c: number): boolean {
  // letters, digits, "+", "-", "."
  return isSchemeStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
}
