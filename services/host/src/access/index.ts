import { AccessServiceService, type BerthClient } from "@berth/client";
import { createServiceRuntime, type Keyring, type Knex, type Logger, type Messaging, type RegisteredService } from "@berth/runtime";
import { AuditLog } from "./audit-log.js";
import { AccessGate } from "./gate.js";
import { ACCESS_SCHEMA, migrations } from "./migrations.js";
import { accessHandlers } from "./rpc.js";
import { ScopeResolver } from "./scope.js";
import { TokenStore } from "./token-store.js";

export { ACCESS_SCHEMA } from "./migrations.js";
export { AUTHORIZATION_TABLE, ruleOf } from "./authorization-table.js";
export type { MethodRule, RecordKind, ScopeRule } from "./authorization-table.js";
export { ROLE_NAMES } from "./roles.js";
export type { RoleName } from "./roles.js";

export interface AccessOptions {
  databaseUrl: string;
  /** Knex pool whose search path starts with the berth_access schema. */
  db: Knex;
  messaging: Messaging;
  keyring: Keyring;
  /** Clients to the services that own records (with the internal token), to look up a record's scope. */
  peers: (service: "dependency" | "binding" | "deployment" | "backup") => BerthClient;
  adminToken: string;
  /** Every accepted internal service token (several during a rotation). */
  internalTokens: readonly string[];
  /** false switches the audit log off (benchmarks only): mutations then run unrecorded. */
  isAuditEnabled: boolean;
  log: Logger;
}

/**
 * The access module: tokens, the authorization gate every service's edge uses, and
 * the audit log. It runs inside every Berth process (each replica checks tokens
 * against Postgres itself) and is the only code that touches the berth_access schema.
 */
export function createAccess(options: AccessOptions) {
  const log = options.log.child({ service: "access" });
  const tokens = new TokenStore(options.db);
  const audit = options.isAuditEnabled ? new AuditLog(options.db, options.keyring) : undefined;
  const gate = new AccessGate({ tokens, audit, scopes: new ScopeResolver(options.peers), adminToken: options.adminToken, internalTokens: options.internalTokens, log });
  const runtime = createServiceRuntime({
    ...options,
    service: "access",
    schema: ACCESS_SCHEMA,
    migrations,
    tokens: { admin: options.adminToken, internal: options.internalTokens },
    gate,
  });
  const grpcServices: RegisteredService[] = [runtime.rpc(AccessServiceService, accessHandlers(tokens, audit), "public")];
  if (!audit) log.warn("audit log switched off (audit.enabled: false): mutations and refusals are not recorded");
  return {
    schema: ACCESS_SCHEMA,
    gate,
    grpcServices,
    start: () => runtime.start(),
    stop: () => runtime.stop(),
  };
}
