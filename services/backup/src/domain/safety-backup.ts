import { DependencyStatus, type Dependency } from "@berth/client";
import { watchByPolling } from "@berth/runtime";
import { store, type BackupRecord } from "../store/store.js";
import { createBackup } from "./backups.js";
import type { BackupContext } from "./context.js";

/** Days a safety backup is kept: long enough to notice a restore one regrets. */
export const SAFETY_BACKUP_RETENTION_DAYS = 7;

/**
 * Takes the native backup of an in-place restore's target (trigger pre-restore)
 * and waits for it: the same backup job as any other, so it is encrypted,
 * checksummed and listed. Idempotent per restore (request id `pre-restore:<rst>`),
 * so a restore that is run again finds the backup it started.
 */
export async function takeSafetyBackup(ctx: BackupContext, restoreId: string, dependencyId: string, signal: AbortSignal): Promise<BackupRecord> {
  const started = await createBackup(ctx, { requestId: `pre-restore:${restoreId}`, dependencyId, retentionDays: SAFETY_BACKUP_RETENTION_DAYS, trigger: "pre-restore" });
  return awaitSettled(() => store.getBackup(ctx.db, started.id).then((b) => b!), (b) => b.status === "succeeded" || b.status === "failed", signal);
}

/** Waits until a freshly provisioned dependency is ready or failed. */
export async function awaitProvisioned(ctx: BackupContext, dependencyId: string, signal: AbortSignal): Promise<Dependency | undefined> {
  return awaitSettled(
    () => ctx.dependencies.get(dependencyId),
    (d) => !d || (d.status !== DependencyStatus.DEPENDENCY_STATUS_PROVISIONING && d.status !== DependencyStatus.DEPENDENCY_STATUS_UNSPECIFIED),
    signal,
  );
}

/** The first value that is settled, read through the runtime's one polling watch (once a second). Throws on abort. */
async function awaitSettled<T>(load: () => Promise<T>, settled: (value: T) => boolean, signal: AbortSignal): Promise<T> {
  let last: T | undefined;
  for await (const value of watchByPolling(load, { fingerprint: (v) => (settled(v) ? "settled" : "waiting"), isSettled: settled, untilSettled: true, signal, pollMs: 1000 })) last = value;
  signal.throwIfAborted();
  return last as T;
}
