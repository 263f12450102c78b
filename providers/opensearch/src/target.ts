import { dependencyObjectName, ProviderError, type RealizationTarget } from "@berth/provider-sdk";
import { errorDetail, OpenSearchHttp } from "./http.js";

/** What Berth creates for one dependency; every name derives from the dependency id alone. */
export interface DependencyNames {
  /** Role, role mapping and internal user name: `berth_dep_…`. */
  name: string;
  /** Every index the dependency owns starts with this: `berth_dep_…_`. */
  indexPrefix: string;
}

export function namesFor(dependencyId: string): DependencyNames {
  const name = dependencyObjectName(dependencyId, { separator: "_" });
  // The trailing separator keeps dep_abc's pattern (berth_dep_abc_*) from matching dep_abcd's indices.
  return { name, indexPrefix: `${name}_` };
}

/** How passwords reach the security plugin: as a bcrypt hash we compute, or as plaintext it hashes. */
export type PasswordHashing = "client" | "server";

export interface AdminTarget {
  http: OpenSearchHttp;
  url: URL;
  /** From `?security=true|false`; undefined means detect. */
  security?: boolean;
  passwordHashing: PasswordHashing;
}

/**
 * Parses a target's admin URL: `http(s)://admin:password@host:9200/` (no path) with
 * optional `?security=true|false` (skip detection of the security plugin) and
 * `?password_hashing=client|server` (server: send the plaintext password for
 * clusters whose security plugin hashes with something other than bcrypt).
 * Messages never quote the URL: it holds the admin password.
 */
export function adminTarget(target: RealizationTarget, signal: AbortSignal): AdminTarget {
  let url: URL;
  try {
    url = new URL(target.adminUrl);
  } catch {
    throw new ProviderError("invalid_input", "the OpenSearch target's admin URL is not a valid URL; expected https://admin:password@host:9200/", { field: "admin_url" });
  }
  if (url.protocol === "opensearch:") url = new URL(`https:${target.adminUrl.slice("opensearch:".length)}`);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderError("invalid_input", "the OpenSearch target's admin URL must use https:// (or http:// for a local server)", { field: "admin_url" });
  }
  // Delivered URLs use the path for the index prefix, so a proxy path prefix could not be carried over.
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new ProviderError("invalid_input", "the OpenSearch target's admin URL must have no path (expected https://admin:password@host:9200/)", { field: "admin_url" });
  }
  const flag = url.searchParams.get("security");
  if (flag !== null && flag !== "true" && flag !== "false") {
    throw new ProviderError("invalid_input", "the admin URL's security parameter must be true or false", { field: "admin_url" });
  }
  const hashing = url.searchParams.get("password_hashing") ?? "client";
  if (hashing !== "client" && hashing !== "server") {
    throw new ProviderError("invalid_input", "the admin URL's password_hashing parameter must be client or server", { field: "admin_url" });
  }
  return {
    http: new OpenSearchHttp(url, signal),
    url,
    security: flag === null ? undefined : flag === "true",
    passwordHashing: hashing,
  };
}

/**
 * Whether the target runs the security plugin: the admin URL's flag, or else
 * its account API (any authenticated user may call it). Without the plugin no
 * handler is registered for the path and OpenSearch answers 400 "no handler
 * found for uri"; 404 is accepted too for proxies that map unknown paths so.
 */
export async function hasSecurityPlugin(admin: AdminTarget): Promise<boolean> {
  if (admin.security !== undefined) {
    if (!admin.security) await admin.http.expect("GET", "/"); // still fail fast when unreachable
    return admin.security;
  }
  const reply = await admin.http.call("GET", "/_plugins/_security/api/account");
  if (reply.status === 200) return true;
  if ((reply.status === 400 && /no handler found/i.test(errorDetail(reply.body))) || reply.status === 404) return false;
  throw admin.http.failure("GET /_plugins/_security/api/account (security plugin detection)", reply);
}
