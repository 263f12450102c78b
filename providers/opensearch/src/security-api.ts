import { bcryptHash } from "./bcrypt.js";
import type { AdminTarget, DependencyNames } from "./target.js";

const API = "/_plugins/_security/api";

/**
 * bcrypt cost for dependency passwords. They are 24 random bytes, so the cost
 * adds nothing against guessing; it is kept moderate because the security
 * plugin pays it again on every authentication-cache miss.
 */
const BCRYPT_COST = 10;

/**
 * What a dependency's user may do: everything on its own indices (data, create,
 * delete, mappings, settings, aliases, refresh…) and, cluster-wide, only what
 * requests spanning indices need (bulk, mget, msearch, scroll and its clear)
 * plus `GET /` for health checks. No cluster monitor rights: cluster state
 * would show other dependencies' index names.
 */
export function dependencyRole(names: DependencyNames, dependencyId: string): object {
  return {
    description: `Berth dependency ${dependencyId}: indices ${names.indexPrefix}* only`,
    cluster_permissions: ["cluster_composite_ops", "indices:data/read/scroll/clear", "cluster:monitor/main"],
    index_permissions: [{ index_patterns: [`${names.indexPrefix}*`], allowed_actions: ["crud", "create_index", "manage"] }],
    tenant_permissions: [],
  };
}

/**
 * Creates or replaces the role, the internal user (with a fresh password) and
 * the role mapping. PUT is an upsert in the security REST API, so a rerun
 * converges. Only the bcrypt hash goes over the wire unless the target says
 * `password_hashing=server`.
 */
export async function grantDependencyAccess(admin: AdminTarget, names: DependencyNames, dependencyId: string, password: string, progress?: (m: string) => void): Promise<void> {
  progress?.("creating role");
  await admin.http.expect("PUT", `${API}/roles/${encodeURIComponent(names.name)}`, { json: dependencyRole(names, dependencyId) });
  progress?.("creating internal user");
  const credential = admin.passwordHashing === "server" ? { password } : { hash: await bcryptHash(password, BCRYPT_COST) };
  await admin.http.expect("PUT", `${API}/internalusers/${encodeURIComponent(names.name)}`, {
    json: { ...credential, backend_roles: [], attributes: {}, description: `Berth dependency ${dependencyId}` },
  });
  progress?.("mapping the role to the user");
  await admin.http.expect("PUT", `${API}/rolesmapping/${encodeURIComponent(names.name)}`, { json: { users: [names.name], backend_roles: [], hosts: [] } });
}

/** Deletes user, role mapping and role; each may already be gone (404 NOT_FOUND). */
export async function revokeDependencyAccess(admin: AdminTarget, names: DependencyNames, progress?: (m: string) => void): Promise<void> {
  // The user first, so the dependency's application loses access before anything else changes.
  for (const [what, path] of [
    ["internal user", "internalusers"],
    ["role mapping", "rolesmapping"],
    ["role", "roles"],
  ] as const) {
    progress?.(`deleting ${what}`);
    await admin.http.expect("DELETE", `${API}/${path}/${encodeURIComponent(names.name)}`, {}, [404]);
  }
}
