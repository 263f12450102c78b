import { ErrorReason, type DependencyReference } from "@berth/client";
import { isProviderError, secretPartsOfUrl } from "@berth/provider-sdk";
import { BerthError, fromProviderError, isBerthError, recordEvent } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import type { DependencyRecord } from "../store/records.js";
import type { DependencyContext, ReferenceCheck } from "./context.js";
import { eventData } from "./create.js";
import { leftBehindBy } from "./leftovers.js";
import { getDependency } from "./queries.js";

/** The check this service makes itself: deletion protection set on the record. */
export const deletionProtectionCheck: ReferenceCheck = {
  name: "deletion-protection",
  async find(dependency) {
    return dependency.deletionProtection
      ? [{ kind: "provider", id: "deletion_protection", description: `deletion protection is on; turn it off with \`berth dependency update ${dependency.id} --deletion-protection off\`` }]
      : [];
  },
};

/** Asks every reference check; any reference blocks the delete. */
export async function findBlockingReferences(ctx: DependencyContext, dependency: DependencyRecord, signal: AbortSignal): Promise<DependencyReference[]> {
  const found = await Promise.all(ctx.referenceChecks.map((check) => check.find(dependency, signal)));
  return found.flat();
}

/**
 * What would block deleting the dependency now, found by the same checks the
 * delete makes. Changes nothing. A deleted dependency has no references.
 */
export async function checkDependencyDelete(ctx: DependencyContext, id: string, signal: AbortSignal): Promise<{ dependency: DependencyRecord; references: DependencyReference[] }> {
  const dependency = await getDependency(ctx, id);
  if (dependency.status === "deleted") return { dependency, references: [] };
  return { dependency, references: await findBlockingReferences(ctx, dependency, signal) };
}

/**
 * Deletes a dependency: refuses with dependency_delete_blocked while anything
 * references it; managed → provider release, then the record; imported → the
 * record only (the external system is never touched). Deleting a deleted
 * dependency returns it unchanged, so retries are safe.
 *
 * With `force`, a managed dependency whose release cannot reach its realization
 * target (or whose target is no longer configured) is forgotten instead: the
 * record is marked deleted without the release, and `leftBehind` names what may
 * remain on the target. References still block it; force never skips them.
 *
 * Race-free against a concurrent bind: the status turns `deleting` (committed)
 * before references are gathered, and bind re-reads the status after its own
 * insert committed. Whichever order they interleave in, either delete sees the
 * binding and refuses, or bind sees `deleting` and withdraws its binding.
 */
export interface DeleteOptions {
  /** Forget a managed dependency whose target cannot be reached instead of failing. Never the default. */
  force?: boolean;
}

export interface DeleteOutcome {
  dependency: DependencyRecord;
  /** What a forced delete left on the target ("database berth_dep_… on target main"); empty otherwise. */
  leftBehind: string[];
}

export async function deleteDependency(ctx: DependencyContext, id: string, signal: AbortSignal, options: DeleteOptions = {}): Promise<DeleteOutcome> {
  const dependency = await getDependency(ctx, id);
  if (dependency.status === "deleted") return { dependency, leftBehind: [] };
  if (dependency.status === "provisioning") {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY, `dependency ${id} is still provisioning; delete it once it is ready or failed`);
  }
  if (dependency.deletionProtection) throw blockedBy(id, await deletionProtectionCheck.find(dependency, signal));
  if (dependency.status === "deleting") {
    // Another delete is under way, or one died half-way: never release without checking.
    const references = await findBlockingReferences(ctx, dependency, signal);
    if (references.length > 0) throw blockedBy(id, references);
  } else {
    const previous = dependency.status;
    await ctx.db.transaction(async (trx) => {
      const current = await dependencyStore.get(trx, id, { forUpdate: true });
      if (current?.status === previous) await dependencyStore.update(trx, id, { status: "deleting", progressMessage: "checking references" });
    });
    const references = await findBlockingReferences(ctx, dependency, signal).catch(async (error: unknown) => {
      await restoreStatus(ctx, id, previous);
      throw error;
    });
    if (references.length > 0) {
      await restoreStatus(ctx, id, previous);
      throw blockedBy(id, references);
    }
    await dependencyStore.update(ctx.db, id, { progressMessage: "releasing" });
  }
  const current = (await dependencyStore.get(ctx.db, id))!;
  if (!options.force) return { dependency: await finishDelete(ctx, current, signal), leftBehind: [] };
  return finishDeleteOrForget(ctx, current, signal);
}

/**
 * finishDelete, except that a release which cannot reach the target (or a target
 * no longer in the configuration) makes Berth forget the record instead of failing.
 */
async function finishDeleteOrForget(ctx: DependencyContext, dependency: DependencyRecord, signal: AbortSignal): Promise<DeleteOutcome> {
  try {
    return { dependency: await finishDelete(ctx, dependency, signal), leftBehind: [] };
  } catch (error) {
    const why = unreachableTarget(error);
    if (!why || dependency.source !== "managed") throw error;
    return forget(ctx, dependency, why);
  }
}

/** Why the release could not run against the target, or undefined when the failure was something else. */
function unreachableTarget(error: unknown): string | undefined {
  if (!isBerthError(error)) return undefined;
  if (error.reason === ErrorReason.ERROR_REASON_REALIZATION_TARGET_UNAVAILABLE) return `its realization target is no longer configured (${error.message})`;
  if (error.reason === ErrorReason.ERROR_REASON_CONNECTION_UNREACHABLE) return `its realization target cannot be reached (${error.message})`;
  return undefined;
}

/** Marks the record deleted without a release, saying why and what may remain, in the record and its event. */
async function forget(ctx: DependencyContext, dependency: DependencyRecord, why: string): Promise<DeleteOutcome> {
  const leftBehind = leftBehindBy(ctx, dependency);
  const reason = `forgotten without release: ${why}`;
  const deleted = await ctx.db.transaction(async (trx) => {
    const current = await dependencyStore.get(trx, dependency.id, { forUpdate: true });
    if (!current || current.status === "deleted") return current!;
    const updated = await dependencyStore.update(trx, dependency.id, { status: "deleted", statusReason: reason, progressMessage: "", deletedAt: new Date() });
    await recordEvent(trx, "dependency.dependency.deleted", { ...eventData(updated), forced: true, released: false, reason, leftBehind });
    return updated;
  });
  ctx.relay.kick();
  ctx.log.warn({ dependencyId: dependency.id, target: dependency.realizationTarget, leftBehind }, "dependency forgotten without release (--force)");
  return { dependency: deleted, leftBehind };
}

/**
 * Finishes a delete that a dead process left in `deleting` (the reconciler calls
 * this): the references are checked again, since the process may have died
 * before it checked them.
 */
export async function resumeDelete(ctx: DependencyContext, dependency: DependencyRecord, signal: AbortSignal): Promise<void> {
  const references = await findBlockingReferences(ctx, dependency, signal);
  if (references.length > 0) {
    await restoreStatus(ctx, dependency.id, dependency.secretVersion ? "ready" : "failed");
    return;
  }
  await finishDelete(ctx, dependency, signal);
}

function blockedBy(id: string, references: DependencyReference[]): BerthError {
  return new BerthError(
    ErrorReason.ERROR_REASON_DEPENDENCY_DELETE_BLOCKED,
    `dependency ${id} cannot be deleted: ${references.map((r) => r.description || `${r.kind} ${r.id}`).join("; ")}`,
    { metadata: Object.fromEntries(references.map((r, i) => [`reference_${i}`, `${r.kind}:${r.id}`])) },
  );
}

async function restoreStatus(ctx: DependencyContext, id: string, previous: DependencyRecord["status"]): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const current = await dependencyStore.get(trx, id, { forUpdate: true });
    if (current?.status === "deleting") await dependencyStore.update(trx, id, { status: previous, progressMessage: "" });
  });
}

/** Releases what the provider realized (managed only) and marks the record deleted. Idempotent. */
export async function finishDelete(ctx: DependencyContext, dependency: DependencyRecord, signal: AbortSignal): Promise<DependencyRecord> {
  if (dependency.source === "managed") {
    const provider = ctx.providers.managedFor(dependency.kind);
    const target = ctx.providers.targetFor(dependency.kind, dependency.realizationTarget);
    try {
      await provider.release?.({ dependencyId: dependency.id, kind: dependency.kind, target, metadata: dependency.metadata, signal });
    } catch (error) {
      const unreachable = isProviderError(error) && error.code === "target_unavailable";
      const hint = unreachable ? "release cannot reach the target; retry, or forget it with --force" : "release failed; retry the delete";
      await dependencyStore.update(ctx.db, dependency.id, { progressMessage: hint });
      throw fromProviderError(error, secretPartsOfUrl(target.adminUrl));
    }
  }
  const deleted = await ctx.db.transaction(async (trx) => {
    const current = await dependencyStore.get(trx, dependency.id, { forUpdate: true });
    if (!current || current.status === "deleted") return current!;
    const updated = await dependencyStore.update(trx, dependency.id, { status: "deleted", progressMessage: "", deletedAt: new Date() });
    await recordEvent(trx, "dependency.dependency.deleted", eventData(updated));
    return updated;
  });
  ctx.relay.kick();
  ctx.log.info({ dependencyId: dependency.id }, "dependency deleted");
  return deleted;
}
