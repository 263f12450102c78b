import { DependencyStatus, ErrorReason, type Dependency } from "@berth/client";
import { BerthError, createOnce, findRecord, newId, recordEvent, recordJob, requestFingerprint, watchByPolling } from "@berth/runtime";
import { store, type BackupRecord } from "../store/store.js";
import { BACKUP_QUEUE, type BackupContext } from "./context.js";

export function backupEventData(b: BackupRecord): Record<string, unknown> {
  return { backupId: b.id, dependencyId: b.dependencyId, kind: b.kind, status: b.status, sizeBytes: b.sizeBytes, sha256: b.sha256 };
}

export async function getBackup(ctx: BackupContext, id: string): Promise<BackupRecord> {
  return findRecord({ prefix: "bkp", noun: "backup", reason: ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, idKey: "backup_id" }, id, (backupId) => store.getBackup(ctx.db, backupId));
}

/**
 * Creates a restore point. Native when Berth holds the dependency's connection
 * and its provider can back up; otherwise metadata-only, saying why. Native
 * backups run as a job; the record is returned at once in `pending`.
 */
export async function createBackup(
  ctx: BackupContext,
  input: { requestId: string; dependencyId: string; retentionDays: number; trigger?: BackupRecord["trigger"]; policyId?: string },
): Promise<BackupRecord> {
  const fingerprint = requestFingerprint(["backup", input.dependencyId, input.retentionDays, input.trigger ?? "manual", input.policyId ?? ""]);
  return createOnce({
    requestId: input.requestId,
    fingerprint,
    noun: "backup",
    findByRequestId: (requestId) => store.backupByRequestId(ctx.db, requestId),
    insert: async () => {
      if (input.retentionDays < 0 || input.retentionDays > 3650) {
        throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "retention_days must be 0 (keep) to 3650", {
          fieldViolations: [{ field: "retention_days", description: "0 keeps it until deleted; at most 3650" }],
        });
      }
      const dependency = await ctx.dependencies.get(input.dependencyId);
      if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) {
        throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${input.dependencyId} not found`);
      }
      if (dependency.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
        throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY, `dependency ${dependency.id} is not ready`);
      }
      const metadataOnlyReason = await whyMetadataOnly(ctx, dependency);
      const id = newId("bkp");
      const kind = metadataOnlyReason ? "metadata_only" : "native";
      const created = await ctx.db.transaction(async (trx) => {
        const record = await store.insertBackup(trx, {
          id,
          dependencyId: dependency.id,
          kind,
          metadataOnlyReason,
          status: kind === "native" ? "pending" : "succeeded",
          trigger: input.trigger ?? "manual",
          policyId: input.policyId ?? "",
          artifactKey: kind === "native" ? `${id}.artifact` : "",
          expireAt: input.retentionDays ? new Date(Date.now() + input.retentionDays * 86_400_000) : null,
          requestId: input.requestId || null,
          requestFingerprint: fingerprint,
        });
        await recordEvent(trx, "backup.backup.created", backupEventData(record));
        if (kind === "native") await recordJob(trx, BACKUP_QUEUE, `backup:${id}`, { backupId: id });
        return record;
      });
      ctx.relay.kick();
      return created;
    },
  });
}

/**
 * Why this dependency gets a metadata-only restore point, or "" for a native one.
 * Checked before anything is recorded, so a connection Berth cannot resolve says
 * so at once instead of queuing a job that can never read it. A connection that
 * resolves but does not answer still gets a native backup, which fails (and a
 * policy retries it): that is an outage to see, not a reason to keep less.
 */
async function whyMetadataOnly(ctx: BackupContext, dependency: Dependency): Promise<string> {
  const provider = ctx.providers.get(dependency.kind);
  if (!dependency.connectionSecretRef) return "Berth holds no connection secret for this dependency";
  if (!provider?.backup || !provider.manifest.capabilities.backup) return `the ${dependency.kind} provider has no native backup`;
  if (!(await ctx.dependencies.isResolvable(dependency.connectionSecretRef))) {
    return `Berth cannot resolve the connection secret ${dependency.connectionSecretRef} (it is missing or does not open with the configured master keys), so it cannot read the data`;
  }
  return "";
}

/** Deletes a restore point and its artifact. Deleting a deleted one returns it. */
export async function deleteBackup(ctx: BackupContext, id: string): Promise<BackupRecord> {
  const backup = await getBackup(ctx, id);
  if (backup.deletedAt) return backup;
  // Any restore of it (in place or into a new dependency) and any drill of it still reads the artifact.
  const readers = await store.artifactReaders(ctx.db, id);
  if (readers.length > 0) {
    throw new BerthError(ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS, `backup ${id} is being restored or verified (${readers.slice(0, 5).join(", ")}); wait for it or cancel it first`);
  }
  if (backup.artifactKey) await ctx.artifacts.delete(backup.artifactKey);
  const deleted = await ctx.db.transaction(async (trx) => {
    const record = await store.updateBackup(trx, id, { deletedAt: new Date() });
    await recordEvent(trx, "backup.backup.deleted", backupEventData(record));
    return record;
  });
  ctx.relay.kick();
  return deleted;
}

/** Yields a backup or restore on every change (status, progress); ends once settled when asked. */
export function watchRecord<T extends { status: string; updatedAt: Date }>(load: () => Promise<T>, untilSettled: boolean, signal: AbortSignal): AsyncGenerator<T> {
  return watchByPolling(load, {
    fingerprint: (r) => `${r.status}|${r.updatedAt.toISOString()}`,
    isSettled: (r) => r.status === "succeeded" || r.status === "failed",
    untilSettled,
    signal,
  });
}
