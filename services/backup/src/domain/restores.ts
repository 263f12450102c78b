import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { BerthError, newId, recordEvent, recordJob } from "@berth/runtime";
import { store, type RestoreRecord } from "../store/store.js";
import { getBackup } from "./backups.js";
import { RESTORE_QUEUE, type BackupContext } from "./context.js";

export function restoreEventData(r: RestoreRecord): Record<string, unknown> {
  return { restoreId: r.id, backupId: r.backupId, dependencyId: r.dependencyId, status: r.status };
}

export async function getRestore(ctx: BackupContext, id: string): Promise<RestoreRecord> {
  const found = /^rst_[A-Za-z0-9]+$/.test(id) ? await store.getRestore(ctx.db, id) : undefined;
  if (!found) throw new BerthError(GrpcStatus.NOT_FOUND, ErrorReason.ERROR_REASON_RESTORE_NOT_FOUND, `restore ${id || '""'} not found`, { metadata: { restore_id: id } });
  return found;
}

/**
 * Asks for an in-place restore of a backup into its own dependency. Refused,
 * changing nothing, without the explicit acknowledgement, for metadata-only or
 * unfinished restore points, and while another restore of the dependency runs.
 */
export async function requestRestore(ctx: BackupContext, input: { requestId: string; backupId: string; acknowledgeDataOverwrite: boolean }): Promise<RestoreRecord> {
  if (input.requestId) {
    const replay = await store.restoreByRequestId(ctx.db, input.requestId);
    if (replay) return replay;
  }
  const backup = await getBackup(ctx, input.backupId);
  if (!input.acknowledgeDataOverwrite) {
    throw new BerthError(
      GrpcStatus.FAILED_PRECONDITION,
      ErrorReason.ERROR_REASON_RESTORE_ACKNOWLEDGEMENT_REQUIRED,
      `restoring ${backup.id} overwrites the data of ${backup.dependencyId} in place; pass --acknowledge-data-overwrite to confirm`,
    );
  }
  if (backup.kind === "metadata_only") {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RESTORE_POINT_METADATA_ONLY, `backup ${backup.id} is a metadata-only restore point (${backup.metadataOnlyReason}); it holds no data to restore`);
  }
  if (backup.status !== "succeeded" || backup.deletedAt) {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${backup.id} is ${backup.deletedAt ? "deleted" : backup.status}; only a succeeded backup can be restored`);
  }
  const id = newId("rst");
  const created = await ctx.db.transaction(async (trx) => {
    const record = await store.insertRestore(trx, { id, backupId: backup.id, dependencyId: backup.dependencyId, bytesTotal: backup.bytesDone, requestId: input.requestId || null });
    if (typeof record === "string") return record;
    await recordEvent(trx, "backup.restore.created", restoreEventData(record));
    await recordJob(trx, RESTORE_QUEUE, `restore:${id}`, { restoreId: id });
    return record;
  });
  if (typeof created === "string" && input.requestId) {
    // Concurrent calls with one request id: the loser of the unique race (on the request id, or on
    // "one restore in flight" which the winner now holds) returns the winner's restore.
    const replay = await store.restoreByRequestId(ctx.db, input.requestId);
    if (replay) return replay;
  }
  if (created === "request_id_taken") throw new Error("restore request id taken but not found");
  if (created === "in_flight") {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS, `a restore of ${backup.dependencyId} is already running; one at a time`);
  }
  ctx.relay.kick();
  return created;
}
