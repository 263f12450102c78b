import { ErrorReason, isBerthApiError, reasonCode } from "@berth/client";
import { BerthError, GrpcStatus, isBerthError, isInternalToken, sameToken, type Admission, type Gate, type GateCall, type Logger } from "@berth/runtime";
import type { AuditEntry, AuditLog } from "./audit-log.js";
import { ruleOf, type MethodRule, type RecordKind } from "./authorization-table.js";
import { isRoleAtLeast, type RoleName } from "./roles.js";
import { isInScope, recordNotFound, type RecordScope, type ScopeResolver, type TokenScope } from "./scope.js";
import { parseBearer, type TokenStore } from "./token-store.js";

type Metadata = GateCall["metadata"];

/** Who is calling, as the gate decides it. */
export interface Principal {
  kind: "bootstrap-admin" | "internal" | "token";
  tokenId: string;
  tokenName: string;
  role: RoleName;
  scope: TokenScope;
}

export const BOOTSTRAP_ADMIN = "bootstrap-admin";
const UNSCOPED: TokenScope = { isUnscoped: true, projectIds: [], environmentIds: [] };
const ANONYMOUS: Principal = { kind: "token", tokenId: "", tokenName: "", role: "viewer", scope: { isUnscoped: false, projectIds: [], environmentIds: [] } };

const ROLE_REASON: Record<RoleName, ErrorReason> = {
  viewer: ErrorReason.ERROR_REASON_PERMISSION_DENIED,
  deployer: ErrorReason.ERROR_REASON_DEPLOYER_ROLE_REQUIRED,
  operator: ErrorReason.ERROR_REASON_OPERATOR_ROLE_REQUIRED,
  admin: ErrorReason.ERROR_REASON_ADMIN_ROLE_REQUIRED,
};

/** Request fields that name records; their values (ids, never payload) go into audit records. */
const TARGET_FIELDS = ["id", "ids", "dependencyId", "resourceId", "backupId", "policyId", "runtimeTargetId", "deploymentId"];
const MAX_TARGETS = 20;

export interface AccessGateOptions {
  tokens: TokenStore;
  /** Unset: audit switched off by configuration (benchmarks); denials and mutations are then only logged. */
  audit: AuditLog | undefined;
  scopes: ScopeResolver;
  adminToken: string;
  internalTokens: readonly string[];
  log: Logger;
}

function camel(field: string): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function outcomeOf(error: unknown): { code: string; reason: string } {
  if (isBerthError(error)) return { code: GrpcStatus[error.code], reason: reasonCode(error.reason) };
  if (isBerthApiError(error)) return { code: GrpcStatus[error.code], reason: error.reason };
  return { code: "INTERNAL", reason: reasonCode(ErrorReason.ERROR_REASON_INTERNAL) };
}

/** A refusal; its gRPC status comes from the reason table. */
function denied(reason: ErrorReason, message: string, metadata: Record<string, string> = {}): BerthError {
  return new BerthError(reason, message, { metadata });
}

/**
 * Authentication, authorization (from AUTHORIZATION_TABLE alone) and audit of every call.
 * Mutations write an "attempt" record before their handler runs — if it cannot be
 * written the call fails and nothing changes — and an "outcome" record after.
 */
export class AccessGate implements Gate {
  constructor(private readonly options: AccessGateOptions) {}

  async admit(call: GateCall): Promise<Admission> {
    const rule = ruleOf(call.rpc);
    const where: { projectId: string; environmentId: string } = { projectId: "", environmentId: "" };
    let principal = ANONYMOUS;
    try {
      principal = await this.authenticate(call.metadata, call.access);
      call.validate();
      if (!rule) throw denied(ErrorReason.ERROR_REASON_PERMISSION_DENIED, `${call.rpc} has no authorization rule`);
      this.authorizeRole(principal, rule, call.rpc);
      await this.authorizeScope(principal, rule, call.request, where);
    } catch (error) {
      const isRefusal = isBerthError(error) && [GrpcStatus.UNAUTHENTICATED, GrpcStatus.PERMISSION_DENIED, GrpcStatus.NOT_FOUND].includes(error.code);
      if (isRefusal) {
        if (!where.projectId && rule && principal !== ANONYMOUS) await this.locate(rule, call.request, where);
        await this.record(principal, call, where, "denied", error, undefined, false);
      }
      throw error;
    }
    const caller = principal.kind === "internal" ? "internal" : principal.kind === "bootstrap-admin" ? "admin" : "token";
    if (rule.isMutation) await this.record(principal, call, where, "attempt", undefined, undefined, true);
    return {
      caller,
      actor: { tokenId: principal.tokenId, tokenName: principal.tokenName },
      filter: (response) => (rule.scope.list && !principal.scope.isUnscoped ? this.filterList(principal.scope, response) : Promise.resolve(response)),
      settle: async (response, error) => {
        if (!rule.isMutation) return;
        // The mutation already ran: a failure to record its outcome is logged, not turned into a false error.
        await this.record(principal, call, where, "outcome", error, response, false).catch((e: unknown) =>
          this.options.log.error({ rpc: call.rpc, error: (e as Error).message }, "audit outcome record could not be written"),
        );
      },
    };
  }

  private async authenticate(metadata: Metadata, access: GateCall["access"]): Promise<Principal> {
    const header = metadata.get("authorization")[0];
    const match = typeof header === "string" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw denied(ErrorReason.ERROR_REASON_UNAUTHENTICATED, "missing bearer token: pass --token or set BERTH_TOKEN");
    const value = match[1];
    if (isInternalToken(value, this.options.internalTokens)) return { kind: "internal", tokenId: "internal", tokenName: "internal", role: "admin", scope: UNSCOPED };
    if (access === "internal") {
      throw denied(ErrorReason.ERROR_REASON_PERMISSION_DENIED, "this internal RPC accepts only the internal service token");
    }
    if (sameToken(value, this.options.adminToken)) return { kind: "bootstrap-admin", tokenId: BOOTSTRAP_ADMIN, tokenName: BOOTSTRAP_ADMIN, role: "admin", scope: UNSCOPED };
    const bearer = parseBearer(value);
    const token = bearer ? await this.options.tokens.verify(bearer) : undefined;
    if (!token) throw denied(ErrorReason.ERROR_REASON_UNAUTHENTICATED, "invalid bearer token");
    const principal: Principal = {
      kind: "token",
      tokenId: token.id,
      tokenName: token.name,
      role: token.role,
      scope: { isUnscoped: token.role === "admin", projectIds: token.projectIds, environmentIds: token.environmentIds },
    };
    if (token.revokedAt) throw denied(ErrorReason.ERROR_REASON_TOKEN_REVOKED, `token ${token.id} was revoked`, { token_id: token.id });
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now()) {
      throw denied(ErrorReason.ERROR_REASON_TOKEN_EXPIRED, `token ${token.id} expired at ${token.expiresAt.toISOString()}`, { token_id: token.id });
    }
    return principal;
  }

  private authorizeRole(principal: Principal, rule: MethodRule, rpc: string): void {
    if (rule.role === "internal") {
      if (principal.kind !== "internal") throw denied(ErrorReason.ERROR_REASON_PERMISSION_DENIED, "this internal RPC accepts only the internal service token");
      return;
    }
    if (principal.kind === "internal" && !rule.serviceCall) {
      throw denied(
        ErrorReason.ERROR_REASON_PERMISSION_DENIED,
        "the internal service token opens internal RPCs and the few public ones services call on each other, not this one; use a token (berth token create)",
      );
    }
    if (!isRoleAtLeast(principal.role, rule.role)) {
      const method = rpc.slice(rpc.lastIndexOf("/") + 1);
      throw denied(ROLE_REASON[rule.role], `${method} needs a token with the ${rule.role} role; this token (${principal.tokenId}) is ${principal.role}`, {
        required_role: rule.role,
        token_role: principal.role,
      });
    }
  }

  /** Checks the request's project/environment and every record it names; fills `where` for the audit record. */
  private async authorizeScope(principal: Principal, rule: MethodRule, request: Record<string, unknown>, where: { projectId: string; environmentId: string }): Promise<void> {
    const scope = principal.scope;
    const outside = () =>
      denied(ErrorReason.ERROR_REASON_OUTSIDE_TOKEN_SCOPE, `this token (${principal.tokenId}) may not act outside projects ${scope.projectIds.join(", ") || "(none)"}`, {
        token_projects: scope.projectIds.join(","),
      });
    const named: RecordScope[] = [];
    for (const part of [request, request.toNew]) {
      if (!part || typeof part !== "object") continue;
      const { projectId, environmentId } = part as { projectId?: unknown; environmentId?: unknown };
      if (typeof projectId === "string" && projectId) named.push({ projectId, environmentId: typeof environmentId === "string" ? environmentId : "" });
    }
    if (named[0]) Object.assign(where, named[0]);
    if (rule.scope.request && !scope.isUnscoped) {
      for (const target of named) if (!isInScope(scope, target)) throw outside();
    }
    // Records are looked up for scoped callers, and for everyone's mutations (the audit record names their project).
    if (!rule.scope.records || (scope.isUnscoped && !rule.isMutation)) return;
    for (const [field, kind] of Object.entries(rule.scope.records) as Array<[string, RecordKind]>) {
      const id = request[camel(field)];
      if (typeof id !== "string" || id === "") continue;
      const found = await this.options.scopes.scopeOf(kind, id);
      if (!found) {
        if (scope.isUnscoped) continue; // the handler answers NOT_FOUND itself
        throw recordNotFound(kind, id);
      }
      if (!where.projectId) Object.assign(where, found);
      if (isInScope(scope, found)) continue;
      Object.assign(where, found);
      if (!rule.isMutation) {
        // Existence is not revealed; the audit record keeps the true reason.
        const error = recordNotFound(kind, id);
        (error as BerthError & { auditReason?: string }).auditReason = reasonCode(ErrorReason.ERROR_REASON_OUTSIDE_TOKEN_SCOPE);
        throw error;
      }
      throw outside();
    }
  }

  /** Best effort, for the audit record of a refusal: the project of the request or of the first record it names. */
  private async locate(rule: MethodRule, request: Record<string, unknown>, where: { projectId: string; environmentId: string }): Promise<void> {
    const projectId = request.projectId;
    if (typeof projectId === "string" && projectId) {
      Object.assign(where, { projectId, environmentId: typeof request.environmentId === "string" ? request.environmentId : "" });
      return;
    }
    for (const [field, kind] of Object.entries(rule.scope.records ?? {}) as Array<[string, RecordKind]>) {
      const id = request[camel(field)];
      if (typeof id !== "string" || id === "") continue;
      const found = await this.options.scopes.scopeOf(kind, id).catch(() => undefined);
      if (found) return void Object.assign(where, found);
    }
  }

  /** Keeps the records of a list response that lie in scope (by project, or through their dependency/resource). */
  private async filterList(scope: TokenScope, response: unknown): Promise<unknown> {
    if (!response || typeof response !== "object") return response;
    const out: Record<string, unknown> = { ...(response as Record<string, unknown>) };
    for (const [key, value] of Object.entries(out)) {
      if (!Array.isArray(value)) continue;
      const items = value as Array<Record<string, unknown>>;
      const dependencyIds = items.filter((i) => !i.projectId && typeof i.dependencyId === "string").map((i) => i.dependencyId as string);
      const dependencies = dependencyIds.length > 0 ? await this.options.scopes.dependencyScopes(dependencyIds) : new Map<string, RecordScope>();
      const kept: Array<Record<string, unknown>> = [];
      for (const item of items) {
        let where: RecordScope | undefined;
        if (typeof item.projectId === "string" && item.projectId) where = { projectId: item.projectId, environmentId: String(item.environmentId ?? "") };
        else if (typeof item.dependencyId === "string" && item.dependencyId) where = dependencies.get(item.dependencyId);
        else if (typeof item.resourceId === "string" && item.resourceId) where = await this.options.scopes.scopeOf("resource", item.resourceId);
        if (where && isInScope(scope, where)) kept.push(item);
      }
      out[key] = kept;
    }
    return out;
  }

  private async record(principal: Principal, call: GateCall, where: { projectId: string; environmentId: string }, phase: AuditEntry["phase"], error: unknown, response: unknown, failClosed: boolean): Promise<void> {
    const outcome = error === undefined ? { code: "OK", reason: "" } : outcomeOf(error);
    const auditReason = (error as { auditReason?: string } | undefined)?.auditReason;
    const entry: AuditEntry = {
      tokenId: principal.tokenId,
      tokenName: principal.tokenName,
      method: call.rpc,
      projectId: where.projectId,
      environmentId: where.environmentId,
      targetIds: targetIds(call.request, response),
      requestId: requestIdOf(call),
      phase,
      code: outcome.code,
      reason: auditReason ?? outcome.reason,
      peer: call.peer,
    };
    if (!this.options.audit) {
      if (phase === "denied") this.options.log.info({ rpc: call.rpc, tokenId: entry.tokenId, code: entry.code, reason: entry.reason }, "call refused (audit off)");
      return;
    }
    try {
      await this.options.audit.append(entry);
    } catch (e) {
      this.options.log.error({ rpc: call.rpc, phase, error: (e as Error).message }, "audit record could not be written");
      if (failClosed) throw denied(ErrorReason.ERROR_REASON_AUDIT_UNAVAILABLE, "the audit log cannot be written, so this change was not made; retry shortly");
    }
  }
}

/**
 * A value from an unvalidated request (a refused call is recorded before the edge's validation runs)
 * goes into the audit record only when it looks like what it claims to be: printable ASCII, bounded.
 */
const PRINTABLE_ID = /^[\x21-\x7e]{1,128}$/;
const RECORD_ID = /^[a-z]{3}_[A-Za-z0-9]{1,64}$/;

function requestIdOf(call: GateCall): string {
  const fromRequest = call.request.requestId;
  if (typeof fromRequest === "string" && PRINTABLE_ID.test(fromRequest)) return fromRequest;
  const header = call.metadata.get("x-request-id")[0];
  return typeof header === "string" && PRINTABLE_ID.test(header) ? header : "";
}

/** Ids the request names and the ids of records the response returns (creates). */
function targetIds(request: Record<string, unknown>, response: unknown): string[] {
  const ids = new Set<string>();
  for (const field of TARGET_FIELDS) {
    const value = request[field];
    if (typeof value === "string" && RECORD_ID.test(value)) ids.add(value);
    if (Array.isArray(value)) for (const v of value.slice(0, MAX_TARGETS)) if (typeof v === "string" && RECORD_ID.test(v)) ids.add(v);
  }
  if (response && typeof response === "object") {
    for (const value of Object.values(response as Record<string, unknown>)) {
      const id = value && typeof value === "object" && !Array.isArray(value) ? (value as { id?: unknown }).id : undefined;
      if (typeof id === "string" && id) ids.add(id);
    }
  }
  return [...ids].slice(0, MAX_TARGETS);
}
