import { createHash } from "node:crypto";
import { ErrorReason } from "@berth/client";
import { BerthError, createOnce, findRecord, isBerthError, newId, recordEvent, recordJob, requestFingerprint } from "@berth/runtime";
import type { Dependency, Provenance } from "@berth/client";
import { store, type BackupRecord, type RestoreRecord } from "../store/store.js";
import { getBackup } from "./backups.js";
import { RESTORE_QUEUE, type BackupContext } from "./context.js";

export function restoreEventData(r: RestoreRecord): Record<string, unknown> {
  return { restoreId: r.id, backupId: r.backupId, dependencyId: r.dependencyId, status: r.status };
}

export async function getRestore(ctx: BackupContext, id: string): Promise<RestoreRecord> {
  return findRecord({ prefix: "rst", noun: "restore", reason: ErrorReason.ERROR_REASON_RESTORE_NOT_FOUND, idKey: "restore_id" }, id, (restoreId) => store.getRestore(ctx.db, restoreId));
}

export interface RestoreInput {
  requestId: string;
  backupId: string;
  acknowledgeDataOverwrite: boolean;
  skipSafetyBackup: boolean;
  /** Restore into a new managed dependency of the same kind instead of in place. */
  toNew?: { name: string; projectId: string; environmentId: string; realizationTarget: string; provenance?: Provenance };
}

/**
 * Asks for a restore of a backup: in place into its own dependency, or into a new
 * managed dependency (`toNew`). Every precondition is checked before anything
 * changes: refused without the acknowledgement (in place), for metadata-only or
 * unfinished restore points, for a kind whose provider cannot restore, and while
 * another restore of the target runs.
 */
export async function requestRestore(ctx: BackupContext, input: RestoreInput): Promise<RestoreRecord> {
  const toNew = input.toNew;
  const fingerprint = requestFingerprint([
    "restore",
    input.backupId,
    input.acknowledgeDataOverwrite,
    input.skipSafetyBackup,
    toNew ? JSON.stringify([toNew.name, toNew.projectId, toNew.environmentId, toNew.realizationTarget]) : "",
  ]);
  return createOnce({
    requestId: input.requestId,
    fingerprint,
    noun: "restore",
    findByRequestId: (requestId) => store.restoreByRequestId(ctx.db, requestId),
    // The loser of a race on the request id may instead lose on "one restore in flight", which the winner now holds.
    isRace: (error) => isBerthError(error) && error.reason === ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS,
    insert: async () => {
      const backup = await getBackup(ctx, input.backupId);
      if (!input.toNew && !input.acknowledgeDataOverwrite) {
        throw new BerthError(
          ErrorReason.ERROR_REASON_RESTORE_ACKNOWLEDGEMENT_REQUIRED,
          `restoring ${backup.id} overwrites the data of ${backup.dependencyId} in place; pass --acknowledge-data-overwrite to confirm (or restore into a new dependency with --to-new NAME)`,
        );
      }
      if (backup.kind === "metadata_only") {
        throw new BerthError(ErrorReason.ERROR_REASON_RESTORE_POINT_METADATA_ONLY, `backup ${backup.id} is a metadata-only restore point (${backup.metadataOnlyReason}); it holds no data to restore`);
      }
      if (backup.status !== "succeeded" || backup.deletedAt) {
        throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${backup.id} is ${backup.deletedAt ? "deleted" : backup.status}; only a succeeded backup can be restored`);
      }
      const targetId = input.toNew ? (await provisionRestoreTarget(ctx, backup, input)).id : backup.dependencyId;
      const id = newId("rst");
      const created = await ctx.db.transaction(async (trx) => {
        const record = await store.insertRestore(trx, {
          id,
          backupId: backup.id,
          dependencyId: targetId,
          sourceDependencyId: backup.dependencyId,
          toNewDependency: Boolean(input.toNew),
          skipSafetyBackup: input.skipSafetyBackup || Boolean(input.toNew),
          bytesTotal: backup.bytesDone,
          requestId: input.requestId || null,
          requestFingerprint: fingerprint,
        });
        if (typeof record === "string") return record;
        await recordEvent(trx, "backup.restore.created", restoreEventData(record));
        await recordJob(trx, RESTORE_QUEUE, `restore:${id}`, { restoreId: id });
        return record;
      });
      if (created === "in_flight") {
        throw new BerthError(ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS, `a restore of ${targetId} is already running; one at a time`);
      }
      if (created !== "request_id_taken") ctx.relay.kick();
      return created;
    },
  });
}

/**
 * The new dependency of a `--to-new` restore, provisioned through the dependency
 * service like any other (same kind, a realization target, provenance naming the
 * backup). Its request id derives from the restore's, so a retried call finds the
 * same dependency instead of making a second one.
 */
async function provisionRestoreTarget(ctx: BackupContext, backup: BackupRecord, input: RestoreInput): Promise<Dependency> {
  const source = await ctx.dependencies.get(backup.dependencyId);
  if (!source) throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `the dependency ${backup.dependencyId} that ${backup.id} was taken of is gone; its kind is unknown`);
  const provider = ctx.providers.get(source.kind);
  if (!provider?.restore || !provider.manifest.capabilities.restore) {
    throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, `the ${source.kind} provider cannot restore backups`);
  }
  const toNew = input.toNew!;
  // Named explicitly (the CLI fills in the source's when not given), so the RPC edge checks a token's
  // project and environment scope against where the copy really goes.
  if (!toNew.projectId || !toNew.environmentId) {
    throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "to_new needs project_id and environment_id: where the new dependency goes", {
      fieldViolations: [
        ...(toNew.projectId ? [] : [{ field: "to_new.project_id", description: "is required" }]),
        ...(toNew.environmentId ? [] : [{ field: "to_new.environment_id", description: "is required" }]),
      ],
    });
  }
  return ctx.dependencies.provision({
    requestId: `restore-to-new:${createHash("sha256").update(input.requestId || newId("req")).digest("base64url").slice(0, 32)}`,
    projectId: toNew.projectId,
    environmentId: toNew.environmentId,
    name: toNew.name,
    kind: source.kind,
    realizationTarget: toNew.realizationTarget,
    restoredFromBackupId: backup.id,
    provenance: toNew.provenance,
  });
}
