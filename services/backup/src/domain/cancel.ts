import { ErrorReason } from "@berth/client";
import { BerthError, recordEvent, type Knex } from "@berth/runtime";
import { jobStore } from "../store/job-store.js";
import { store, type BackupRecord, type RestoreRecord } from "../store/store.js";
import { backupEventData, getBackup } from "./backups.js";
import type { BackupContext } from "./context.js";
import { getRestore, restoreEventData } from "./restores.js";
import { targetState } from "./target-state.js";

const CANCELLING = "cancelling: requested by an operator; its worker stops at its next heartbeat";

/** How a cancel ends a job record, decided under the row lock. */
type CancelPlan = { end: "now"; reason: string } | { end: "worker" } | { end: "already" };

/** Pending (or its worker died): end now. Running: mark, and the owning worker aborts on its heartbeat. */
async function planCancel(
  trx: Knex.Transaction,
  job: { id: string; status: string; cancelRequestedAt: Date | null },
  leaseTtlMs: number,
  isOwnerDead: (trx: Knex.Transaction, id: string, ttlMs: number) => Promise<boolean>,
): Promise<CancelPlan | "finished"> {
  if (job.status === "succeeded" || job.status === "failed") return job.cancelRequestedAt ? { end: "already" } : "finished";
  if (job.status === "pending") return { end: "now", reason: "cancelled by an operator before it started" };
  if (await isOwnerDead(trx, job.id, leaseTtlMs)) return { end: "now", reason: "cancelled by an operator; its worker had stopped" };
  return job.cancelRequestedAt ? { end: "already" } : { end: "worker" };
}

/**
 * Cancels a pending or running backup. Idempotent for a cancelled backup;
 * refused (backup_already_finished) for one that finished otherwise.
 */
export async function cancelBackup(ctx: BackupContext, id: string): Promise<BackupRecord> {
  await getBackup(ctx, id);
  const { record, ended } = await ctx.db.transaction(async (trx) => {
    const current = (await store.getBackup(trx, id, true))!;
    const plan = await planCancel(trx, current, ctx.jobs.leaseTtlMs, jobStore.backups.isExpired);
    if (plan === "finished") {
      throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_ALREADY_FINISHED, `backup ${id} already ${current.status}; only a pending or running backup can be cancelled`, {
        metadata: { backup_id: id, status: current.status },
      });
    }
    if (plan.end === "already") return { record: current, ended: false };
    if (plan.end === "worker") return { record: await store.updateBackup(trx, id, { cancelRequestedAt: new Date(), statusReason: CANCELLING }), ended: false };
    const failed = await store.updateBackup(trx, id, { status: "failed", statusReason: `${plan.reason}; no artifact was kept`, cancelRequestedAt: new Date(), endedAt: new Date(), leaseOwner: null });
    await recordEvent(trx, "backup.backup.failed", { ...backupEventData(failed), reason: failed.statusReason });
    return { record: failed, ended: true };
  });
  if (ended) {
    await ctx.artifacts.removePartials(record.artifactKey);
    ctx.relay.kick();
    await ctx.onSettled(record);
  }
  ctx.log.info({ backupId: id, status: record.status }, "backup cancel requested");
  return record;
}

/**
 * Cancels a pending or running restore; its reason says what state the target
 * is in. Idempotent for a cancelled restore; refused (restore_already_finished)
 * for one that finished otherwise.
 */
export async function cancelRestore(ctx: BackupContext, id: string): Promise<RestoreRecord> {
  await getRestore(ctx, id);
  const record = await ctx.db.transaction(async (trx) => {
    const current = (await store.getRestore(trx, id, true))!;
    const plan = await planCancel(trx, current, ctx.jobs.leaseTtlMs, jobStore.restores.isExpired);
    if (plan === "finished") {
      throw new BerthError(ErrorReason.ERROR_REASON_RESTORE_ALREADY_FINISHED, `restore ${id} already ${current.status}; only a pending or running restore can be cancelled`, {
        metadata: { restore_id: id, status: current.status },
      });
    }
    if (plan.end === "already") return current;
    if (plan.end === "worker") return store.updateRestore(trx, id, { cancelRequestedAt: new Date(), statusReason: CANCELLING });
    const failed = await store.updateRestore(trx, id, { status: "failed", statusReason: `${plan.reason}; ${targetState(current)}`, cancelRequestedAt: new Date(), endedAt: new Date(), leaseOwner: null });
    await recordEvent(trx, "backup.restore.failed", { ...restoreEventData(failed), reason: failed.statusReason });
    return failed;
  });
  ctx.relay.kick();
  ctx.log.info({ restoreId: id, status: record.status }, "restore cancel requested");
  return record;
}
