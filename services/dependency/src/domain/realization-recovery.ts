import { type LeasedJobKind, recordEvent, recordJob, safeProviderReason as safeReason } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import { realizationLease } from "../store/realization-lease.js";
import type { DependencyRecord } from "../store/records.js";
import { REALIZE_QUEUE, type DependencyContext } from "./context.js";
import { eventData } from "./create.js";

type RealizationJob = DependencyRecord & { attempts: number };

/**
 * Realizations for the shared job reconciler: a provisioning dependency whose
 * worker died (its lease expired), or whose job message was lost (no owner,
 * untouched), is queued again; after the attempt bound it is failed. Providers
 * are idempotent, so running a realization again is safe.
 */
export function realizationJobs(ctx: DependencyContext): LeasedJobKind<RealizationJob> {
  const withAttempts = (d: DependencyRecord): RealizationJob => ({ ...d, attempts: d.realizeAttempts });
  return {
    name: "realization",
    listExpired: async (ttlMs) => (await realizationLease.listExpired(ctx.db, ttlMs)).map(withAttempts),
    listWaiting: async (graceMs) => (await realizationLease.listWaiting(ctx.db, graceMs)).map(withAttempts),
    async requeue(job, operationId) {
      return ctx.db.transaction(async (trx) => {
        const record = await realizationLease.settleListed(trx, job.id, job.leaseOwner, { progress_message: "re-queued" });
        if (record) await recordJob(trx, REALIZE_QUEUE, operationId, { dependencyId: job.id });
        return Boolean(record);
      });
    },
    async fail(job, reason) {
      const statusReason = `realization did not complete: ${reason}; delete and provision again`;
      return ctx.db.transaction(async (trx) => {
        const record = await realizationLease.settleListed(trx, job.id, job.leaseOwner, { status: "failed", status_reason: statusReason, progress_message: "" });
        if (record) await recordEvent(trx, "dependency.dependency.failed", { ...eventData(record), reason: statusReason });
        return Boolean(record);
      });
    },
  };
}

/**
 * A dependency left in `deleting` (the process died mid-delete) finishes
 * deleting. Deletes hold no lease; this is judged by age (`staleAfterMs`).
 */
export function interruptedDeletes(ctx: DependencyContext, staleAfterMs: number, finishDelete: (dependency: DependencyRecord) => Promise<void>): () => Promise<void> {
  return async () => {
    for (const dependency of await dependencyStore.listStale(ctx.db, ["deleting"], staleAfterMs)) {
      await finishDelete(dependency).catch((error: unknown) =>
        ctx.log.warn({ dependencyId: dependency.id, reason: safeReason(error) }, "could not finish an interrupted delete"),
      );
    }
  };
}
