
import { ErrorReason, isBerthApiError, type BerthClient } from "@berth/client";
import { BerthError, GrpcStatus } from "@berth/runtime";
import type { RecordKind } from "./authorization-table.js";

/** Where a record lives. A record never moves, so its scope may be cached for good. */
export interface RecordScope {
  projectId: string;
  environmentId: string;
}

/** What a token may reach: projects, optionally narrowed to environments. Admin tokens reach everything. */
export interface TokenScope {
  isUnscoped: boolean;
  projectIds: readonly string[];
  environmentIds: readonly string[];
}

export function isInScope(token: TokenScope, record: RecordScope): boolean {
  if (token.isUnscoped) return true;
  if (!token.projectIds.includes(record.projectId)) return false;
  return token.environmentIds.length === 0 || token.environmentIds.includes(record.environmentId);
}

export const NOT_FOUND_REASON: Record<RecordKind, ErrorReason> = {
  dependency: ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND,
  binding: ErrorReason.ERROR_REASON_BINDING_NOT_FOUND,
  resource: ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND,
  deployment: ErrorReason.ERROR_REASON_DEPLOYMENT_NOT_FOUND,
  backup: ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND,
  restore: ErrorReason.ERROR_REASON_RESTORE_NOT_FOUND,
  policy: ErrorReason.ERROR_REASON_BACKUP_POLICY_NOT_FOUND,
  drill: ErrorReason.ERROR_REASON_DRILL_NOT_FOUND,
};

/** The same answer a missing record gets: a record out of scope is not revealed. */
export function recordNotFound(kind: RecordKind, id: string): BerthError {
  return new BerthError(NOT_FOUND_REASON[kind], `${kind} ${id} not found`);
}

/** Bound of the scope cache (entries never go stale: a record's project never changes). */
const CACHE_LIMIT = 20_000;

/**
 * Finds the project and environment of a record by asking the service that owns it
 * (with the internal credential), never by reading its tables. Answers are cached.
 */
export class ScopeResolver {
  private readonly cache = new Map<string, RecordScope>();

  /** `peers(service)`: a client to the service that owns the records, with the internal credential. */
  constructor(private readonly peers: (service: "dependency" | "binding" | "deployment" | "backup") => BerthClient) {}

  /** The record's scope, or undefined when no such record exists. */
  async scopeOf(kind: RecordKind, id: string): Promise<RecordScope | undefined> {
    const key = `${kind}:${id}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const scope = await this.lookUp(kind, id).catch((error: unknown) => {
      if (isBerthApiError(error) && error.code === GrpcStatus.NOT_FOUND) return undefined;
      throw error;
    });
    if (scope) this.remember(key, scope);
    return scope;
  }

  /** Scopes of many dependencies in one call (list filtering). */
  async dependencyScopes(ids: string[]): Promise<Map<string, RecordScope>> {
    const out = new Map<string, RecordScope>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const cached = this.cache.get(`dependency:${id}`);
      if (cached) out.set(id, cached);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const { dependencies } = await this.peers("dependency").dependency.batchGetDependencies({ ids: missing.slice(i, i + 500) });
      for (const d of dependencies) {
        const scope = { projectId: d.projectId, environmentId: d.environmentId };
        this.remember(`dependency:${d.id}`, scope);
        out.set(d.id, scope);
      }
    }
    return out;
  }

  private remember(key: string, scope: RecordScope): void {
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, scope);
  }

  private async lookUp(kind: RecordKind, id: string): Promise<RecordScope | undefined> {
    const of = (record: { projectId: string; environmentId: string } | undefined) => (record ? { projectId: record.projectId, environmentId: record.environmentId } : undefined);
    const viaDependency = async (dependencyId: string | undefined) => (dependencyId ? this.scopeOf("dependency", dependencyId) : undefined);
    switch (kind) {
      case "dependency":
        return of((await this.peers("dependency").dependency.getDependency({ id })).dependency);
      case "binding":
        return of((await this.peers("binding").binding.getBinding({ id })).binding);
      case "resource":
        return of((await this.peers("deployment").deployment.getResource({ id })).resource);
      case "deployment":
        return of((await this.peers("deployment").deployment.getDeployment({ id })).deployment);
      case "backup":
        return viaDependency((await this.peers("backup").backup.getBackup({ id })).backup?.dependencyId);
      case "restore":
        return viaDependency((await this.peers("backup").backup.getRestore({ id })).restore?.dependencyId);
      case "policy":
        return viaDependency((await this.peers("backup").backup.getBackupPolicy({ id, dependencyId: "" })).policy?.dependencyId);
      case "drill":
        return viaDependency((await this.peers("backup").backup.getDrill({ id })).drill?.dependencyId);
    }
  }
}
