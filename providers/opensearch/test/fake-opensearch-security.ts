import { createHash } from "node:crypto";
import { bcryptHash, bcryptVerify } from "../src/bcrypt.js";

/**
 * The security-plugin half of the protocol-level fake (see fake-opensearch.ts):
 * internal users with bcrypt hashes, roles, role mappings, HTTP Basic
 * authentication and the permission check on action names and index patterns.
 * Shapes follow opensearch-project/security 2.x: REST API answers from
 * Responses.java / RequestHandler.java / EndpointValidator.java, action groups
 * from static_config/static_action_groups.yml (the subset below), 401 from
 * HTTPBasicAuthenticator, 403 `security_exception` "no permissions for […]".
 */

export interface FakeReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface InternalUser {
  hash: string;
  reserved: boolean;
  backend_roles: string[];
  attributes: Record<string, unknown>;
  opendistro_security_roles: string[];
  description?: string;
}
interface IndexPermission {
  index_patterns: string[];
  allowed_actions: string[];
}
interface Role {
  reserved: boolean;
  cluster_permissions: string[];
  index_permissions: IndexPermission[];
  tenant_permissions: unknown[];
  description?: string;
}
interface RoleMapping {
  reserved: boolean;
  users: string[];
  backend_roles: string[];
  hosts: string[];
  description?: string;
}

/** From static_action_groups.yml (security 2.x), only the groups the fake's users need. */
const ACTION_GROUPS: Record<string, string[]> = {
  crud: ["read", "write"],
  read: ["indices:data/read*", "indices:admin/mappings/fields/get*", "indices:admin/resolve/index"],
  write: ["indices:data/write*", "indices:admin/mapping/put"],
  create_index: ["indices:admin/create", "indices:admin/mapping/put"],
  manage: ["indices:monitor/*", "indices:admin/*"],
  indices_all: ["indices:*"],
  cluster_all: ["cluster:*"],
  cluster_composite_ops: ["indices:data/write/bulk", "indices:admin/aliases*", "indices:data/write/reindex", "cluster_composite_ops_ro"],
  cluster_composite_ops_ro: [
    "indices:data/read/mget",
    "indices:data/read/msearch",
    "indices:data/read/mtv",
    "indices:admin/aliases/exists*",
    "indices:admin/aliases/get*",
    "indices:data/read/scroll",
    "indices:admin/resolve/index",
  ],
  unlimited: ["*"],
};

/** Roles allowed to use the security REST API (plugins.security.restapi.roles_enabled default). */
const REST_API_ROLES = ["all_access", "security_rest_api_access"];
/** The plugin's default `plugins.security.password.hashing.bcrypt.rounds`. */
const SERVER_BCRYPT_ROUNDS = 12;

function wildcard(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(value);
}

function expand(actions: string[], seen = new Set<string>()): string[] {
  const out: string[] = [];
  for (const action of actions) {
    if (ACTION_GROUPS[action] && !seen.has(action)) {
      seen.add(action);
      out.push(...expand(ACTION_GROUPS[action], seen));
    } else out.push(action);
  }
  return out;
}

const status = (code: number, name: string, message: string): FakeReply => ({ status: code, body: { status: name, message } });

export function securityException(action: string, user: string): FakeReply {
  const reason = `no permissions for [${action}] and User [name=${user}, backend_roles=[], requestedTenant=null]`;
  return { status: 403, body: { error: { root_cause: [{ type: "security_exception", reason }], type: "security_exception", reason }, status: 403 } };
}

export class FakeSecurity {
  private readonly users = new Map<string, InternalUser>();
  private readonly roles = new Map<string, Role>();
  private readonly mappings = new Map<string, RoleMapping>();
  /** Like the plugin's authentication cache: a verified user/password pair skips bcrypt until the user changes. */
  private readonly verified = new Map<string, string>();

  private constructor() {}

  /** The demo-style bootstrap: a reserved `admin` user mapped to the reserved `all_access` role. */
  static async create(adminUser: string, adminPassword: string): Promise<FakeSecurity> {
    const security = new FakeSecurity();
    security.users.set(adminUser, { hash: await bcryptHash(adminPassword, 4), reserved: true, backend_roles: ["admin"], attributes: {}, opendistro_security_roles: [] });
    security.roles.set("all_access", { reserved: true, cluster_permissions: ["*"], index_permissions: [{ index_patterns: ["*"], allowed_actions: ["*"] }], tenant_permissions: [] });
    security.mappings.set("all_access", { reserved: true, users: [], backend_roles: ["admin"], hosts: [] });
    return security;
  }

  /** The user a Basic `Authorization` header proves, or undefined (the fake then answers 401). */
  async authenticate(header: string | undefined): Promise<string | undefined> {
    const match = /^Basic\s+(.+)$/i.exec(header ?? "");
    if (!match) return undefined;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const user = this.users.get(name);
    if (!user) return undefined;
    const fingerprint = createHash("sha256").update(`${user.hash}\0${password}`).digest("hex");
    if (this.verified.get(name) === fingerprint) return name;
    if (!(await bcryptVerify(password, user.hash))) return undefined;
    this.verified.set(name, fingerprint);
    return name;
  }

  static unauthorized(): FakeReply {
    return { status: 401, body: "Unauthorized", headers: { "www-authenticate": 'Basic realm="OpenSearch Security"' } };
  }

  rolesOf(name: string): string[] {
    const user = this.users.get(name);
    if (!user) return [];
    const mapped = [...this.mappings].filter(([, m]) => m.users.includes(name) || m.backend_roles.some((r) => user.backend_roles.includes(r))).map(([role]) => role);
    return [...new Set([...mapped, ...user.opendistro_security_roles])].filter((role) => this.roles.has(role));
  }

  allowsCluster(user: string, action: string): boolean {
    return this.rolesOf(user).some((role) => expand(this.roles.get(role)!.cluster_permissions).some((p) => wildcard(p, action)));
  }

  allowsIndex(user: string, action: string, index: string): boolean {
    return this.rolesOf(user).some((role) =>
      this.roles.get(role)!.index_permissions.some((perm) => perm.index_patterns.some((p) => wildcard(p, index)) && expand(perm.allowed_actions).some((a) => wildcard(a, action))),
    );
  }

  account(user: string): FakeReply {
    const entry = this.users.get(user)!;
    return {
      status: 200,
      body: {
        user_name: user,
        is_reserved: entry.reserved,
        is_hidden: false,
        is_internal_user: true,
        user_requested_tenant: null,
        backend_roles: entry.backend_roles,
        custom_attribute_names: Object.keys(entry.attributes),
        tenants: {},
        roles: this.rolesOf(user),
      },
    };
  }

  /** `/_plugins/_security/api/{internalusers|roles|rolesmapping}/{name}` with GET, PUT and DELETE. */
  async restApi(user: string, method: string, endpoint: string, name: string, body: unknown): Promise<FakeReply> {
    const roles = this.rolesOf(user);
    if (!roles.some((role) => REST_API_ROLES.includes(role))) {
      return status(403, "FORBIDDEN", `No permission to access REST API: User ${user} with Security roles [${roles.join(", ")}] does not have any role privileged for admin access`);
    }
    const store = { internalusers: this.users, roles: this.roles, rolesmapping: this.mappings }[endpoint] as Map<string, { reserved: boolean }> | undefined;
    if (!store) return { status: 400, body: { error: `no handler found for uri [/_plugins/_security/api/${endpoint}/${name}] and method [${method}]` } };
    const label = { internalusers: "user", roles: "role", rolesmapping: "rolesmapping" }[endpoint]!;
    const existing = store.get(name);
    if (method === "GET") {
      if (!existing) return status(404, "NOT_FOUND", `${label} '${name}' not found.`);
      return { status: 200, body: { [name]: endpoint === "internalusers" ? { ...existing, hash: "" } : existing } };
    }
    if (existing?.reserved) return status(403, "FORBIDDEN", `Resource '${name}' is reserved.`);
    if (method === "DELETE") {
      if (!existing) return status(404, "NOT_FOUND", `${label} '${name}' not found.`);
      store.delete(name);
      this.verified.delete(name);
      return status(200, "OK", `'${name}' deleted.`);
    }
    if (method !== "PUT") return status(501, "NOT_IMPLEMENTED", `Method ${method} not supported for this action.`);
    const content = (body ?? {}) as Record<string, unknown>;
    const allowed = {
      internalusers: ["backend_roles", "attributes", "description", "opendistro_security_roles", "hash", "password"],
      roles: ["cluster_permissions", "index_permissions", "tenant_permissions", "description"],
      rolesmapping: ["backend_roles", "and_backend_roles", "hosts", "users", "description"],
    }[endpoint]!;
    const invalid = Object.keys(content).filter((key) => !allowed.includes(key));
    if (invalid.length > 0) return { status: 400, body: { status: "error", reason: "Invalid configuration", invalid_keys: { keys: invalid.join(",") } } };
    const stored = await this.entity(endpoint, name, content, existing);
    if ("status" in stored) return stored;
    store.set(name, stored);
    this.verified.delete(name);
    return existing ? status(200, "OK", `'${name}' updated.`) : status(201, "CREATED", `'${name}' created.`);
  }

  private async entity(endpoint: string, name: string, content: Record<string, unknown>, existing: unknown): Promise<InternalUser | Role | RoleMapping | FakeReply> {
    const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
    if (endpoint === "roles") {
      const permissions = Array.isArray(content.index_permissions) ? (content.index_permissions as IndexPermission[]) : [];
      return {
        reserved: false,
        cluster_permissions: list(content.cluster_permissions),
        index_permissions: permissions.map((p) => ({ index_patterns: list(p.index_patterns), allowed_actions: list(p.allowed_actions) })),
        tenant_permissions: Array.isArray(content.tenant_permissions) ? content.tenant_permissions : [],
        description: content.description as string | undefined,
      } satisfies Role;
    }
    if (endpoint === "rolesmapping") {
      if (!this.roles.has(name)) return status(404, "NOT_FOUND", `role '${name}' not found.`);
      return { reserved: false, users: list(content.users), backend_roles: list(content.backend_roles), hosts: list(content.hosts), description: content.description as string | undefined } satisfies RoleMapping;
    }
    for (const role of list(content.opendistro_security_roles)) if (!this.roles.has(role)) return status(404, "NOT_FOUND", `role '${role}' not found.`);
    let hash = typeof content.hash === "string" ? content.hash : (existing as InternalUser | undefined)?.hash;
    if (typeof content.password === "string") hash = await bcryptHash(content.password, SERVER_BCRYPT_ROUNDS);
    if (!hash) return status(400, "BAD_REQUEST", "Please specify either 'hash' or 'password' when creating a new internal user.");
    return {
      hash,
      reserved: false,
      backend_roles: list(content.backend_roles),
      attributes: (content.attributes as Record<string, unknown>) ?? {},
      opendistro_security_roles: list(content.opendistro_security_roles),
      description: content.description as string | undefined,
    } satisfies InternalUser;
  }
}
