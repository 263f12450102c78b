
import { ErrorReason, type AccessServiceService, type AuditRecord, type Token } from "@berth/client";
import { BerthError, invalidArgument, readPage, type Handlers } from "@berth/runtime";
import type { AuditLog, AuditRecordRow } from "./audit-log.js";
import { roleFromProto, roleToProto } from "./roles.js";
import type { TokenRecord, TokenStore } from "./token-store.js";

/** The longest a token may live: ten years. */
const MAX_LIFETIME_SECONDS = 10 * 366 * 24 * 3600;

export function presentToken(record: TokenRecord): Token {
  return {
    id: record.id,
    name: record.name,
    role: roleToProto(record.role),
    projectIds: record.projectIds,
    environmentIds: record.environmentIds,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt?.toISOString(),
    revokedAt: record.revokedAt?.toISOString(),
    createdBy: record.createdBy,
  };
}

function presentAudit(row: AuditRecordRow): AuditRecord {
  return {
    seq: row.seq,
    id: row.id,
    time: row.at,
    tokenId: row.tokenId,
    tokenName: row.tokenName,
    method: row.method,
    projectId: row.projectId,
    environmentId: row.environmentId,
    targetIds: row.targetIds,
    requestId: row.requestId,
    phase: row.phase,
    code: row.code,
    reason: row.reason,
    peer: row.peer,
  };
}

function tokenNotFound(id: string): BerthError {
  return new BerthError(ErrorReason.ERROR_REASON_TOKEN_NOT_FOUND, `token ${id} not found`);
}

const PROJECT_ID = /^prj_[A-Za-z0-9_-]+$/;
const ENVIRONMENT_ID = /^env_[A-Za-z0-9_-]+$/;

/** The AccessService: tokens and the audit log. Authorization is the edge's (admin; audit list for operators in scope). */
export function accessHandlers(tokens: TokenStore, audit: AuditLog | undefined): Handlers<typeof AccessServiceService> {
  const auditLog = () => {
    if (!audit) throw new BerthError(ErrorReason.ERROR_REASON_AUDIT_UNAVAILABLE, "the audit log is switched off on this server (audit.enabled: false)");
    return audit;
  };
  return {
    async createToken(request, context) {
      const role = roleFromProto(request.role);
      const violations = [];
      if (!request.name.trim()) violations.push({ field: "name", description: "is required (e.g. ci-shop)" });
      if (!role) violations.push({ field: "role", description: "is required: viewer, deployer, operator or admin" });
      if (role && role !== "admin" && request.projectIds.length === 0) violations.push({ field: "project_ids", description: "a non-admin token needs at least one project (--project prj_…)" });
      if (role === "admin" && (request.projectIds.length > 0 || request.environmentIds.length > 0)) {
        violations.push({ field: "project_ids", description: "an admin token reaches every project; give a lower role to scope a token" });
      }
      request.projectIds.forEach((p, i) => PROJECT_ID.test(p) || violations.push({ field: `project_ids[${i}]`, description: "must be a project id (prj_…)" }));
      request.environmentIds.forEach((e, i) => ENVIRONMENT_ID.test(e) || violations.push({ field: `environment_ids[${i}]`, description: "must be an environment id (env_…)" }));
      const lifetime = request.expiresInSeconds ?? 0;
      if (lifetime < 0 || lifetime > MAX_LIFETIME_SECONDS) violations.push({ field: "expires_in_seconds", description: `must be between 1 and ${MAX_LIFETIME_SECONDS} (0: no expiry)` });
      if (violations.length > 0 || !role) throw invalidArgument("the token cannot be created as asked", violations);
      const { record, bearer } = await tokens.create({
        name: request.name.trim(),
        role,
        projectIds: [...new Set(request.projectIds)],
        environmentIds: [...new Set(request.environmentIds)],
        expiresAt: lifetime > 0 ? new Date(Date.now() + lifetime * 1000) : null,
        createdBy: context.actor?.tokenName || context.caller,
      });
      return { token: presentToken(record), bearerToken: bearer };
    },
    async getToken(request) {
      const record = await tokens.get(request.id);
      if (!record) throw tokenNotFound(request.id);
      return { token: presentToken(record) };
    },
    async listTokens(request) {
      // Newest first: the page continues below the token's seq.
      const page = await readPage(request, ({ limit, afterSeq }) => tokens.list({ includeRevoked: request.includeRevoked, limit, beforeSeq: afterSeq }));
      return { tokens: page.items.map(presentToken), nextPageToken: page.nextPageToken };
    },
    async revokeToken(request) {
      const record = await tokens.revoke(request.id);
      if (!record) throw tokenNotFound(request.id);
      return { token: presentToken(record) };
    },
    async listAuditRecords(request) {
      let since: string | undefined;
      if (request.since) {
        const time = new Date(request.since);
        if (Number.isNaN(time.getTime())) throw invalidArgument("since is not a time", [{ field: "since", description: "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z" }]);
        since = time.toISOString();
      }
      // Newest first: the page continues below the token's seq.
      const page = await readPage(request, ({ limit, afterSeq }) =>
        auditLog().list({ projectId: request.projectId || undefined, since, actor: request.actor || undefined, target: request.target || undefined, beforeSeq: afterSeq, limit }),
      );
      return { records: page.items.map(presentAudit), nextPageToken: page.nextPageToken };
    },
    async verifyAuditLog() {
      const { checked, problems } = await auditLog().verify();
      return { isIntact: problems.length === 0, recordsChecked: String(checked), problems };
    },
  };
}
