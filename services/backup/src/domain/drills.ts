import { ErrorReason } from "@berth/client";
import { BerthError, createOnce, findRecord, newId, recordEvent, recordJob, requestFingerprint } from "@berth/runtime";
import { drillStore, type DrillRecord } from "../store/drill-store.js";
import { getBackup } from "./backups.js";
import { DRILL_QUEUE, type BackupContext } from "./context.js";

export function drillEventData(d: DrillRecord): Record<string, unknown> {
  return { drillId: d.id, backupId: d.backupId, dependencyId: d.dependencyId, status: d.status, scratchDependencyId: d.scratchDependencyId, durationMs: d.durationMs };
}

export async function getDrill(ctx: BackupContext, id: string): Promise<DrillRecord> {
  return findRecord({ prefix: "drl", noun: "drill", reason: ErrorReason.ERROR_REASON_DRILL_NOT_FOUND, idKey: "drill_id" }, id, (drillId) => drillStore.get(ctx.db, drillId));
}

export interface VerifyInput {
  requestId: string;
  backupId: string;
  checkCommand: string;
  checkEnv: string;
  checkTimeoutSeconds: number;
}

/**
 * Asks for a restore drill of a backup. Every precondition is checked before the
 * drill is recorded: a succeeded native backup, a provider that can restore it
 * into a scratch dependency, a valid env var name. Idempotent by request id.
 */
export async function requestDrill(ctx: BackupContext, input: VerifyInput): Promise<DrillRecord> {
  const fingerprint = requestFingerprint(["drill", input.backupId, input.checkCommand, input.checkEnv, input.checkTimeoutSeconds]);
  return createOnce({
    requestId: input.requestId,
    fingerprint,
    noun: "drill",
    findByRequestId: (requestId) => drillStore.byRequestId(ctx.db, requestId),
    insert: async () => {
      const backup = await getBackup(ctx, input.backupId);
      if (backup.kind === "metadata_only") {
        throw new BerthError(ErrorReason.ERROR_REASON_RESTORE_POINT_METADATA_ONLY, `backup ${backup.id} is a metadata-only restore point (${backup.metadataOnlyReason}); there is nothing to restore in a drill`);
      }
      if (backup.status !== "succeeded" || backup.deletedAt) {
        throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${backup.id} is ${backup.deletedAt ? "deleted" : backup.status}; only a succeeded backup can be verified`);
      }
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(input.checkEnv)) {
        throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "check_env must be an environment variable name", {
          fieldViolations: [{ field: "check_env", description: "letters, digits and _, not starting with a digit" }],
        });
      }
      const source = await ctx.dependencies.get(backup.dependencyId);
      const provider = source ? ctx.providers.get(source.kind) : undefined;
      if (!source || !provider?.restore || !provider.manifest.capabilities.restore || !provider.manifest.capabilities.realize) {
        throw new BerthError(
          ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
          `a drill needs a provider that can provision a scratch ${source?.kind ?? "dependency"} and restore into it; ${source ? `the ${source.kind} provider cannot` : `the dependency ${backup.dependencyId} is gone`}`,
        );
      }
      const id = newId("drl");
      const created = await ctx.db.transaction(async (trx) => {
        const record = await drillStore.insert(trx, {
          id,
          backupId: backup.id,
          dependencyId: backup.dependencyId,
          checkCommandConfigured: Boolean(input.checkCommand),
          checkCommand: input.checkCommand,
          checkEnv: input.checkEnv,
          checkTimeoutSeconds: input.checkTimeoutSeconds,
          requestId: input.requestId || null,
          requestFingerprint: fingerprint,
        });
        await recordEvent(trx, "backup.drill.created", drillEventData(record));
        await recordJob(trx, DRILL_QUEUE, `drill:${id}`, { drillId: id });
        return record;
      });
      ctx.relay.kick();
      return created;
    },
  });
}
