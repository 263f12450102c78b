import { ErrorReason } from "@berth/client";
import { findRecord, invalidArgument, readPage, watchByPolling } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import { SETTLED_STATES, type DependencyRecord, type DependencyState } from "../store/records.js";
import type { DependencyContext } from "./context.js";

export async function getDependency(ctx: DependencyContext, id: string): Promise<DependencyRecord> {
  return findRecord({ prefix: "dep", noun: "dependency", reason: ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, idKey: "dependency_id" }, id, (dependencyId) => dependencyStore.get(ctx.db, dependencyId));
}

/** Several dependencies in one query; unknown ids come back in `missing`. */
export async function batchGetDependencies(ctx: DependencyContext, ids: string[]): Promise<{ found: DependencyRecord[]; missing: string[] }> {
  if (ids.length > 1000) throw invalidArgument("at most 1000 ids per call", [{ field: "ids", description: "at most 1000" }]);
  const unique = [...new Set(ids)];
  const found = await dependencyStore.getMany(ctx.db, unique.filter((id) => /^dep_[A-Za-z0-9]+$/.test(id)));
  const foundIds = new Set(found.map((d) => d.id));
  return { found, missing: unique.filter((id) => !foundIds.has(id)) };
}

export interface ListInput {
  projectId: string;
  environmentId: string;
  kind: string;
  /** Only the dependency with this exact name. */
  name?: string;
  status?: DependencyState;
  pageSize: number;
  pageToken: string;
  showDeleted: boolean;
}

/** Keyset pagination over insertion order: stable while records are added. */
export async function listDependencies(ctx: DependencyContext, input: ListInput): Promise<{ items: DependencyRecord[]; nextPageToken: string }> {
  const { projectId, environmentId, kind, name, status, showDeleted } = input;
  return readPage(input, (window) => dependencyStore.list(ctx.db, { projectId, environmentId, kind, name, status, showDeleted, ...window }));
}

/** Yields the dependency now and whenever it changes; ends once settled when `untilSettled`. */
export function watchDependency(ctx: DependencyContext, id: string, untilSettled: boolean, signal: AbortSignal): AsyncGenerator<DependencyRecord> {
  return watchByPolling(() => getDependency(ctx, id), {
    fingerprint: (d) => `${d.status}|${d.updatedAt.toISOString()}|${d.progressMessage}`,
    isSettled: (d) => SETTLED_STATES.has(d.status),
    untilSettled,
    signal,
  });
}
