import { recordEvent, recordJob, type LeasedJobKind } from "@berth/runtime";
import { jobStore } from "../store/job-store.js";
import type { BackupRecord, RestoreRecord } from "../store/store.js";
import { backupEventData } from "./backups.js";
import type { DrillRecord } from "../store/drill-store.js";
import { BACKUP_QUEUE, DRILL_QUEUE, RESTORE_QUEUE, type BackupContext } from "./context.js";
import { drillEventData } from "./drills.js";
import { releaseScratch } from "./scratch.js";
import { restoreEventData } from "./restores.js";
import { targetState } from "./target-state.js";

const listed = (job: { status: string; leaseOwner: string | null }) => ({ status: job.status, owner: job.leaseOwner });

/** Backups for the shared job reconciler: a dead worker's backup is cleaned up and run again (bounded). */
export function backupJobs(ctx: BackupContext): LeasedJobKind<BackupRecord> {
  return {
    name: "backup",
    listExpired: (ttlMs) => jobStore.backups.listExpired(ctx.db, ttlMs),
    listWaiting: (graceMs) => jobStore.backups.listWaiting(ctx.db, graceMs),
    async requeue(job, operationId) {
      return ctx.db.transaction(async (trx) => {
        const statusReason = job.leaseOwner ? "re-queued: the worker running it stopped" : job.statusReason;
        const record = await jobStore.backups.settleListed(trx, job.id, listed(job), { status: "pending", statusReason });
        if (record) await recordJob(trx, BACKUP_QUEUE, operationId, { backupId: job.id });
        return Boolean(record);
      });
    },
    async fail(job, reason) {
      const failed = await ctx.db.transaction(async (trx) => {
        const record = await jobStore.backups.settleListed(trx, job.id, listed(job), { status: "failed", statusReason: reason, endedAt: new Date() });
        if (record) await recordEvent(trx, "backup.backup.failed", { ...backupEventData(record), reason });
        return record;
      });
      if (failed) await ctx.onSettled(failed);
      return Boolean(failed);
    },
    deadOwnerFailure: (job) => (job.cancelRequestedAt ? "cancelled by an operator; its worker had stopped; no artifact was kept" : undefined),
    cleanup: (job) => removePartials(ctx, job.artifactKey),
  };
}

/**
 * Restores for the shared job reconciler: one that never started is queued
 * again; one whose worker died is failed — an in-place restore is never blindly
 * run twice — with a reason saying what state the target is in.
 */
export function restoreJobs(ctx: BackupContext): LeasedJobKind<RestoreRecord> {
  return {
    name: "restore",
    listExpired: (ttlMs) => jobStore.restores.listExpired(ctx.db, ttlMs),
    listWaiting: (graceMs) => jobStore.restores.listWaiting(ctx.db, graceMs),
    async requeue(job, operationId) {
      return ctx.db.transaction(async (trx) => {
        const record = await jobStore.restores.settleListed(trx, job.id, listed(job), { status: "pending" });
        if (record) await recordJob(trx, RESTORE_QUEUE, operationId, { restoreId: job.id });
        return Boolean(record);
      });
    },
    async fail(job, reason) {
      return ctx.db.transaction(async (trx) => {
        const record = await jobStore.restores.settleListed(trx, job.id, listed(job), { status: "failed", statusReason: reason, endedAt: new Date() });
        if (record) await recordEvent(trx, "backup.restore.failed", { ...restoreEventData(record), reason });
        return Boolean(record);
      });
    },
    deadOwnerFailure: (job) =>
      `${job.cancelRequestedAt ? "cancelled by an operator; its worker had stopped" : "the worker running it stopped (the server exited or crashed)"}; ${targetState(job)}; request the restore again if still wanted`,
  };
}

/**
 * Drills for the shared job reconciler: one that never started is queued again;
 * one whose worker died is failed (its restore target is a scratch copy, but the
 * drill's evidence would be partial) and its scratch dependency released.
 */
export function drillJobs(ctx: BackupContext): LeasedJobKind<DrillRecord> {
  const unreleased = new Map<string, string>();
  return {
    name: "drill",
    listExpired: (ttlMs) => jobStore.drills.listExpired(ctx.db, ttlMs),
    listWaiting: (graceMs) => jobStore.drills.listWaiting(ctx.db, graceMs),
    async requeue(job, operationId) {
      return ctx.db.transaction(async (trx) => {
        const record = await jobStore.drills.settleListed(trx, job.id, listed(job), { status: "pending" });
        if (record) await recordJob(trx, DRILL_QUEUE, operationId, { drillId: job.id });
        return Boolean(record);
      });
    },
    async fail(job, reason) {
      return ctx.db.transaction(async (trx) => {
        const leftOver = unreleased.get(job.id);
        unreleased.delete(job.id);
        const released = !job.scratchDependencyId ? "" : leftOver ? `; ${leftOver}` : ` (scratch dependency ${job.scratchDependencyId} released)`;
        const record = await jobStore.drills.settleListed(trx, job.id, listed(job), {
          status: "failed",
          statusReason: `${reason}${released}`,
          endedAt: new Date(),
          scratchReleasedAt: job.scratchDependencyId && !leftOver ? new Date() : undefined,
        });
        if (record) await recordEvent(trx, "backup.drill.failed", { ...drillEventData(record), reason });
        return Boolean(record);
      });
    },
    deadOwnerFailure: () => "the worker running the drill stopped (the server exited or crashed); run the drill again",
    // Never throws: a scratch dependency that cannot be released (its target gone) must not keep the
    // drill — and every drill listed after it — from being failed; the reason says what was left.
    async cleanup(job) {
      if (!job.scratchDependencyId) return;
      const released = await releaseScratch(ctx, job.id, job.scratchDependencyId, ctx.log);
      if (!released.ok) unreleased.set(job.id, released.reason);
    },
  };
}

/** A partial artifact that cannot be removed is logged, not fatal: the job must still end. */
async function removePartials(ctx: BackupContext, key: string): Promise<void> {
  if (!key) return;
  const removed = await ctx.artifacts.removePartials(key).catch((error: unknown) => {
    ctx.log.warn({ key, error: error instanceof Error ? error.name : "error" }, "could not remove a partial artifact");
    return 0;
  });
  if (removed > 0) ctx.log.info({ key, removed }, "removed partial artifact of a dead backup");
}
