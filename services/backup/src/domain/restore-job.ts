import { DependencyStatus, type Dependency } from "@berth/client";
import type { Provider } from "@berth/provider-sdk";
import { isProviderError, secretPartsOfUrl } from "@berth/provider-sdk";
import { holdLease, type JobDelivery, type Logger } from "@berth/runtime";
import { jobStore } from "../store/job-store.js";
import type { BackupRecord, RestoreRecord } from "../store/store.js";
import { getBackup } from "./backups.js";
import { safeJobReason, type BackupContext } from "./context.js";
import { endOwnedJob } from "./job-end.js";
import { restoreEventData } from "./restores.js";
import { artifactProblem, streamBackupInto } from "./restore-stream.js";
import { awaitProvisioned, takeSafetyBackup } from "./safety-backup.js";
import { targetState } from "./target-state.js";

type TargetProgress = Pick<RestoreRecord, "targetWriteStartedAt" | "targetRollsBack" | "dependencyKind">;

/**
 * The restore job. The worker claims the restore (a lease with a heartbeat), so
 * a cancel made through any replica reaches it and a dead worker's restore is
 * failed by the reconciler — never blindly run again. Before anything touches
 * the target: the artifact's SHA-256 is checked, a restore into a new dependency
 * waits for it to be provisioned, and an in-place restore takes a safety backup
 * of the target. If writing then fails (or is cancelled) on an engine that does
 * not roll back by itself, the target is put back from the safety backup. Every
 * failure reason says what state the target is in.
 */
export async function runRestore(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { restoreId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { restoreId: string };
  const owner = ctx.jobs.instanceId;
  const restore = await jobStore.restores.claim(ctx.db, restoreId, owner, { startedAt: new Date(), bytesRestored: 0 });
  if (!restore) return;
  const backup = await getBackup(ctx, restore.backupId);
  const log = ctx.log.child({ restoreId, backupId: backup.id, attempt: restore.attempts });
  const lease = holdLease({ heartbeat: () => jobStore.restores.heartbeat(ctx.db, restoreId, owner), intervalMs: ctx.jobs.heartbeatMs, parent: job.signal, log });
  const update = (changes: Partial<RestoreRecord>) => jobStore.restores.updateOwned(ctx.db, restoreId, owner, changes);
  let target: TargetProgress = restore;
  let safety: BackupRecord | undefined;
  let secrets: string[] = [];
  let written: { dependency: Dependency; provider: Provider; connectionUrl: string } | undefined;
  const fail = (reason: string, changes: Partial<RestoreRecord> = {}) => settle(ctx, restoreId, owner, log, "failed", reason, changes);
  try {
    const problem = await artifactProblem(ctx, backup);
    if (problem) return await fail(`${problem}; the target was not touched`);
    const dependency = restore.toNewDependency ? await awaitProvisioned(ctx, restore.dependencyId, lease.signal) : await ctx.dependencies.get(restore.dependencyId);
    if (restore.toNewDependency && dependency?.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
      return await fail(`the new dependency ${restore.dependencyId} could not be provisioned${dependency?.statusReason ? ` (${dependency.statusReason})` : ""}; nothing was restored`);
    }
    const provider = dependency ? ctx.providers.get(dependency.kind) : undefined;
    if (!dependency || !provider?.restore) return await fail("the dependency or its provider's restore is gone; the target was not touched");
    if (!restore.skipSafetyBackup) {
      safety = await takeSafetyBackup(ctx, restoreId, dependency.id, lease.signal);
      await update({ safetyBackupId: safety.id });
      if (safety.status !== "succeeded" || safety.kind !== "native") {
        return await fail(`the safety backup ${safety.id} of the target failed (${safety.statusReason}); the target was not touched (restore with --skip-safety-backup to go on without one)`);
      }
    }
    const connectionUrl = await ctx.dependencies.resolve(dependency.connectionSecretRef, `restore ${restoreId}`);
    secrets = secretPartsOfUrl(connectionUrl);
    lease.signal.throwIfAborted();
    // Recorded before the first byte reaches the target, so whoever ends this restore can say what state it left.
    target = { targetWriteStartedAt: new Date(), targetRollsBack: provider.manifest.capabilities.transactionalRestore === true, dependencyKind: dependency.kind };
    await update(target);
    written = { dependency, provider, connectionUrl };
    // Into a new dependency, the backed-up one's names (a Redis key prefix) are mapped onto the new one's.
    const sourceMetadata = restore.toNewDependency ? (await ctx.dependencies.get(restore.sourceDependencyId))?.metadata : undefined;
    const bytes = await streamBackupInto(ctx, { backup, ...written, sourceMetadata, signal: lease.signal, onBytes: (b) => update({ bytesRestored: b }) });
    await settle(ctx, restoreId, owner, log, "succeeded", "", { bytesRestored: bytes });
  } catch (error) {
    const ended = lease.ended();
    if (ended === "lost") return log.warn("restore stopped: its lease was lost (failed or cancelled elsewhere)");
    if (ended === "shutdown" && !target.targetWriteStartedAt) {
      // Nothing was written yet: give it back, to run after the restart.
      await update({ status: "pending", leaseOwner: null });
      throw error;
    }
    const why = ended === "cancelled" ? "cancelled by an operator" : ended === "shutdown" ? "the server shut down during the restore" : safeJobReason(error, secrets, log, "the restore");
    // The provider refuses a dump its target cannot load before it touches anything: no rollback, nothing written.
    if (!ended && isProviderError(error) && error.code === "incompatible_version") {
      return await fail(`the target cannot load this backup (incompatible_version): ${why}; the target was not touched`);
    }
    if (written && safety?.status === "succeeded" && !target.targetRollsBack && ended !== "shutdown") {
      return await rollBack(ctx, { restoreId, owner, log, why, safety, ...written, signal: job.signal });
    }
    await fail(`${why}; ${targetState(target)}${safety && target.targetWriteStartedAt ? ` (its state before the restore is in safety backup ${safety.id})` : ""}`);
  } finally {
    lease.release();
  }
}

/**
 * Puts the target back from the safety backup after a failed or cancelled restore.
 * The restore's lease has ended its signal, so heartbeats are kept here by hand.
 */
async function rollBack(
  ctx: BackupContext,
  input: { restoreId: string; owner: string; log: Logger; why: string; safety: BackupRecord; dependency: Dependency; provider: Provider; connectionUrl: string; signal: AbortSignal },
): Promise<void> {
  const { restoreId, owner, log, why, safety } = input;
  const heartbeat = setInterval(() => void jobStore.restores.heartbeat(ctx.db, restoreId, owner).catch(() => undefined), ctx.jobs.heartbeatMs);
  try {
    log.warn({ safetyBackupId: safety.id }, "restore failed after writing; rolling back from the safety backup");
    await streamBackupInto(ctx, { backup: safety, dependency: input.dependency, provider: input.provider, connectionUrl: input.connectionUrl, signal: input.signal });
    await settle(ctx, restoreId, owner, log, "failed", `${why}; the target was rolled back to its state before the restore from safety backup ${safety.id}`, { rolledBack: true });
  } catch (error) {
    const reason = safeJobReason(error, secretPartsOfUrl(input.connectionUrl), log, "the rollback");
    await settle(ctx, restoreId, owner, log, "failed", `${why}; rolling back from safety backup ${safety.id} also failed (${reason}): the target may hold partially restored data; restore ${safety.id} by hand`, {});
  } finally {
    clearInterval(heartbeat);
  }
}

async function settle(ctx: BackupContext, restoreId: string, owner: string, log: Logger, status: "succeeded" | "failed", reason: string, changes: Partial<RestoreRecord>): Promise<void> {
  const record = await endOwnedJob(ctx, { kind: "restore", updateOwned: jobStore.restores.updateOwned, eventData: restoreEventData }, restoreId, owner, log, status, reason, changes);
  if (record && status === "succeeded") log.info({ bytes: record.bytesRestored }, "restore succeeded");
}
