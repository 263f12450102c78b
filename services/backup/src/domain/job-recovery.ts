import { recordEvent, recordJob, type Knex, type LeasedJob, type LeasedJobKind } from "@berth/runtime";
import { jobStore } from "../store/job-store.js";
import type { BackupRecord, RestoreRecord } from "../store/store.js";
import { backupEventData } from "./backups.js";
import type { DrillChanges, DrillRecord } from "../store/drill-store.js";
import { BACKUP_QUEUE, DRILL_QUEUE, RESTORE_QUEUE, type BackupContext } from "./context.js";
import { drillEventData } from "./drills.js";
import { releaseScratch } from "./scratch.js";
import { restoreEventData } from "./restores.js";
import { targetState } from "./target-state.js";

type ListedJob = LeasedJob & { status: string; leaseOwner: string | null };
/** The changes every job table takes: each has a status, its reason and an end time. */
type JobChanges = { status?: string; statusReason?: string; endedAt?: Date | null };

/** One backup-service job table as the reconciler settles it. */
interface JobSpec<J extends ListedJob, C extends JobChanges> {
  /** "backup", "restore", "drill": also names its events (`backup.<name>.failed`). */
  name: string;
  leases: {
    listExpired(db: Knex, ttlMs: number): Promise<J[]>;
    listWaiting(db: Knex, graceMs: number): Promise<J[]>;
    settleListed(db: Knex.Transaction, id: string, listed: { status: string; owner: string | null }, changes: C): Promise<J | undefined>;
  };
  queue: string;
  /** The job message that names this job to its worker. */
  message(id: string): Record<string, string>;
  eventData(job: J): Record<string, unknown>;
  /** What changes when it is queued again (default: status pending). */
  requeued?(job: J): C;
  /** What changes when it is failed with `reason` (default: status failed, the reason, the end time). */
  failed?(job: J, reason: string): C;
}

/**
 * The shared part of every backup-service job kind: list through its lease SQL,
 * re-queue (status back to pending and its job message recorded again) and fail
 * (its failed event recorded), each only while the job is still as listed.
 */
function settledByLease<J extends ListedJob, C extends JobChanges>(ctx: BackupContext, spec: JobSpec<J, C>) {
  const listed = (job: J) => ({ status: job.status, owner: job.leaseOwner });
  const requeued = spec.requeued ?? (() => ({ status: "pending" }) as C);
  const failed = spec.failed ?? ((_job: J, reason: string) => ({ status: "failed", statusReason: reason, endedAt: new Date() }) as C);
  return {
    name: spec.name,
    listExpired: (ttlMs: number) => spec.leases.listExpired(ctx.db, ttlMs),
    listWaiting: (graceMs: number) => spec.leases.listWaiting(ctx.db, graceMs),
    async requeue(job: J, operationId: string) {
      return ctx.db.transaction(async (trx) => {
        const record = await spec.leases.settleListed(trx, job.id, listed(job), requeued(job));
        if (record) await recordJob(trx, spec.queue, operationId, spec.message(job.id));
        return Boolean(record);
      });
    },
    /** Fails the job (if still as listed); the failed record, or undefined. */
    async failRecord(job: J, reason: string): Promise<J | undefined> {
      return ctx.db.transaction(async (trx) => {
        const record = await spec.leases.settleListed(trx, job.id, listed(job), failed(job, reason));
        if (record) await recordEvent(trx, `backup.${spec.name}.failed`, { ...spec.eventData(record), reason });
        return record;
      });
    },
  };
}

/** Backups for the shared job reconciler: a dead worker's backup is cleaned up and run again (bounded). */
export function backupJobs(ctx: BackupContext): LeasedJobKind<BackupRecord> {
  const { failRecord, ...kind } = settledByLease<BackupRecord, Partial<BackupRecord>>(ctx, {
    name: "backup",
    leases: jobStore.backups,
    queue: BACKUP_QUEUE,
    message: (backupId) => ({ backupId }),
    eventData: backupEventData,
    requeued: (job) => ({ status: "pending", statusReason: job.leaseOwner ? "re-queued: the worker running it stopped" : job.statusReason }),
  });
  return {
    ...kind,
    async fail(job, reason) {
      const failed = await failRecord(job, reason);
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
  const { failRecord, ...kind } = settledByLease<RestoreRecord, Partial<RestoreRecord>>(ctx, {
    name: "restore",
    leases: jobStore.restores,
    queue: RESTORE_QUEUE,
    message: (restoreId) => ({ restoreId }),
    eventData: restoreEventData,
  });
  return {
    ...kind,
    fail: async (job, reason) => Boolean(await failRecord(job, reason)),
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
  const { failRecord, ...kind } = settledByLease<DrillRecord, DrillChanges>(ctx, {
    name: "drill",
    leases: jobStore.drills,
    queue: DRILL_QUEUE,
    message: (drillId) => ({ drillId }),
    eventData: drillEventData,
    failed(job, reason) {
      const leftOver = unreleased.get(job.id);
      unreleased.delete(job.id);
      const released = !job.scratchDependencyId ? "" : leftOver ? `; ${leftOver}` : ` (scratch dependency ${job.scratchDependencyId} released)`;
      return {
        status: "failed",
        statusReason: `${reason}${released}`,
        endedAt: new Date(),
        scratchReleasedAt: job.scratchDependencyId && !leftOver ? new Date() : undefined,
      };
    },
  });
  return {
    ...kind,
    fail: async (job, reason) => Boolean(await failRecord(job, reason)),
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
