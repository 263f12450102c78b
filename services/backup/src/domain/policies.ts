import { DependencyStatus, ErrorReason, type FieldViolation } from "@berth/client";
import { BerthError, isBerthError, newId, recordEvent, type SeqWindow } from "@berth/runtime";
import { policyStore, type PolicyRecord } from "../store/policy-store.js";
import { store, type BackupRecord } from "../store/store.js";
import { createBackup, deleteBackup } from "./backups.js";
import type { BackupContext } from "./context.js";
import { requestDrill } from "./drills.js";

const MINUTE = 60_000;
/** The shortest interval a policy may have: short enough to try a policy out in minutes. */
export const MIN_INTERVAL_MINUTES = 1;
const MAX_INTERVAL_MINUTES = 24 * 366 * 60;

export interface PolicyInput {
  dependencyId: string;
  /** Whole hours; 0 when intervalMinutes is given. */
  intervalHours: number;
  /** The interval in minutes instead of hours; undefined: intervalHours counts. */
  intervalMinutes?: number;
  retentionDays: number;
  retryOnFailure: boolean;
  enabled: boolean;
  /** Drill every Nth scheduled backup; 0: never. Unset keeps the current setting. */
  verifyEvery?: number;
}

/** Creates or replaces the dependency's policy. Policies only run where the scheduler is enabled. */
export async function configurePolicy(ctx: BackupContext, input: PolicyInput): Promise<PolicyRecord> {
  const violations: FieldViolation[] = [];
  const intervalMinutes = input.intervalMinutes ?? input.intervalHours * 60;
  if (input.intervalMinutes !== undefined) {
    if (input.intervalHours !== 0) violations.push({ field: "interval_hours", description: "set interval_hours or interval_minutes, not both" });
    if (!Number.isInteger(input.intervalMinutes) || input.intervalMinutes < MIN_INTERVAL_MINUTES || input.intervalMinutes > MAX_INTERVAL_MINUTES) {
      violations.push({ field: "interval_minutes", description: `must be ${MIN_INTERVAL_MINUTES} to ${MAX_INTERVAL_MINUTES} minutes` });
    }
  } else if (!Number.isInteger(input.intervalHours) || input.intervalHours < 1 || input.intervalHours > 24 * 366) {
    violations.push({ field: "interval_hours", description: "must be 1 to 8784 hours (or set interval_minutes for a shorter interval)" });
  }
  if (!Number.isInteger(input.retentionDays) || input.retentionDays < 1 || input.retentionDays > 3650) violations.push({ field: "retention_days", description: "must be 1 to 3650 days" });
  if (violations.length > 0) throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, violations.map((v) => `${v.field}: ${v.description}`).join("; "), { fieldViolations: violations });
  const dependency = await ctx.dependencies.get(input.dependencyId);
  if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${input.dependencyId} not found`);
  }
  const existing = await policyStore.get(ctx.db, { dependencyId: input.dependencyId });
  // Same schedule kept when only retention/retry change; a new interval starts from now.
  const nextRunAt = existing && existing.intervalMinutes === intervalMinutes ? existing.nextRunAt : new Date(Date.now() + intervalMinutes * MINUTE);
  const policy = await ctx.db.transaction(async (trx) => {
    const record = await policyStore.upsert(trx, {
      id: existing?.id ?? newId("dbp"),
      dependencyId: input.dependencyId,
      intervalMinutes,
      retentionDays: input.retentionDays,
      retryOnFailure: input.retryOnFailure,
      enabled: input.enabled,
      verifyEvery: input.verifyEvery ?? existing?.verifyEvery ?? 0,
      nextRunAt,
    });
    await recordEvent(trx, "backup.policy.configured", {
      policyId: record.id,
      dependencyId: record.dependencyId,
      intervalHours: record.intervalHours,
      intervalMinutes: record.intervalMinutes,
      retentionDays: record.retentionDays,
      enabled: record.enabled,
    });
    return record;
  });
  ctx.relay.kick();
  return policy;
}

export async function getPolicy(ctx: BackupContext, where: { id?: string; dependencyId?: string }): Promise<PolicyRecord> {
  const policy = where.id || where.dependencyId ? await policyStore.get(ctx.db, where) : undefined;
  if (!policy) throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_POLICY_NOT_FOUND, `no backup policy ${where.id ? where.id : `for ${where.dependencyId}`}`);
  return (await retireOrphans(ctx, [policy]))[0];
}

/** A page of policies, each of a deleted dependency shown (and stored) as disabled; enabledOnly drops those. */
export async function listPolicies(ctx: BackupContext, f: { dependencyId?: string; enabledOnly: boolean } & SeqWindow): Promise<PolicyRecord[]> {
  const page = await retireOrphans(ctx, await policyStore.list(ctx.db, f));
  return f.enabledOnly ? page.filter((p) => p.enabled) : page;
}

/** What a retired policy says: Berth disabled it because its dependency is gone. */
function orphanReason(dependencyId: string): string {
  return `dependency ${dependencyId} was deleted; the policy will not run again`;
}

/**
 * The dependency service owns dependencies and does not call back when one is
 * deleted, so a policy learns it when it is next looked at (shown, listed or
 * due): an enabled policy whose dependency is deleted or gone is disabled with
 * the reason, once. One dependency lookup per enabled policy.
 */
async function retireOrphans(ctx: BackupContext, policies: PolicyRecord[]): Promise<PolicyRecord[]> {
  return Promise.all(
    policies.map(async (policy) => {
      if (!policy.enabled) return policy;
      const dependency = await ctx.dependencies.get(policy.dependencyId);
      if (dependency && dependency.status !== DependencyStatus.DEPENDENCY_STATUS_DELETED) return policy;
      return retire(ctx, policy);
    }),
  );
}

async function retire(ctx: BackupContext, policy: PolicyRecord): Promise<PolicyRecord> {
  const reason = orphanReason(policy.dependencyId);
  const retired = await ctx.db.transaction(async (trx) => {
    const record = await policyStore.retire(trx, policy.id, reason);
    await recordEvent(trx, "backup.policy.disabled", { policyId: policy.id, dependencyId: policy.dependencyId, reason: "dependency_deleted" });
    return record;
  });
  ctx.relay.kick();
  ctx.log.info({ policyId: policy.id, dependencyId: policy.dependencyId }, "backup policy of a deleted dependency disabled");
  return retired ?? { ...policy, enabled: false, disabledReason: reason };
}

/**
 * One scheduler pass: claims due policies (FOR UPDATE SKIP LOCKED, so with any
 * number of replicas each due run is dispatched once), records an attempt and
 * dispatches the very same create-backup operation a user would, with a request
 * id derived from the due time. Then applies retention.
 */
export async function runSchedulerPass(ctx: BackupContext): Promise<void> {
  const claimed = await ctx.db.transaction(async (trx) => {
    const due = await policyStore.claimDue(trx);
    const runs = [];
    for (const policy of due) {
      const attempt = await policyStore.insertAttempt(trx, { id: newId("bat"), policyId: policy.id, dependencyId: policy.dependencyId, trigger: "scheduled", outcome: "running" });
      await policyStore.reschedule(trx, policy.id, new Date(Math.max(Date.now(), policy.nextRunAt.getTime()) + policy.intervalMinutes * MINUTE));
      runs.push({ policy, attempt, dueAt: policy.nextRunAt });
    }
    return runs;
  });
  for (const { policy, attempt, dueAt } of claimed) {
    try {
      const backup = await createBackup(ctx, { requestId: `policy:${policy.id}:${dueAt.toISOString()}`, dependencyId: policy.dependencyId, retentionDays: policy.retentionDays, trigger: "scheduled", policyId: policy.id });
      await policyStore.setAttemptBackup(ctx.db, attempt.id, backup.id);
      if (backup.status === "succeeded" || backup.status === "failed") await onBackupSettled(ctx, backup);
    } catch (error) {
      if (isBerthError(error) && error.reason === ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND) {
        // Its dependency was deleted: nothing to back up, now or later.
        await policyStore.finishAttempt(ctx.db, attempt.id, "skipped", orphanReason(policy.dependencyId));
        await retire(ctx, policy);
        continue;
      }
      const reason = error instanceof BerthError ? error.message : "could not dispatch the backup";
      await policyStore.finishAttempt(ctx.db, attempt.id, "failed", reason);
      await retryLater(ctx, policy);
    }
  }
  await applyRetention(ctx);
}

async function retryLater(ctx: BackupContext, policy: PolicyRecord): Promise<void> {
  if (!policy.retryOnFailure) return;
  const failures = policy.consecutiveFailures + 1;
  // Backoff 5, 10, 20 … minutes, never later than the regular next run.
  const retryAt = new Date(Math.min(Date.now() + 5 * 60_000 * 2 ** (failures - 1), Date.now() + policy.intervalMinutes * MINUTE));
  await policyStore.reschedule(ctx.db, policy.id, retryAt, failures);
  ctx.log.info({ policyId: policy.id, failures, retryAt: retryAt.toISOString() }, "scheduled backup failed; retrying with backoff");
}

/** Records a scheduled backup's outcome on its attempt; a failure is retried when the policy says so. */
export async function onBackupSettled(ctx: BackupContext, backup: BackupRecord): Promise<void> {
  if (!backup.policyId) return;
  const outcome = backup.status === "succeeded" ? "succeeded" : "failed";
  await policyStore.finishAttemptOf(ctx.db, backup.id, outcome, backup.statusReason);
  const policy = await policyStore.get(ctx.db, { id: backup.policyId });
  if (!policy) return;
  if (outcome === "failed") await retryLater(ctx, policy);
  else if (policy.consecutiveFailures > 0) await policyStore.reschedule(ctx.db, policy.id, policy.nextRunAt, 0);
  // `--verify-every N`: every Nth succeeded scheduled backup gets a restore drill, like one a user asks for.
  if (outcome === "succeeded" && backup.trigger === "scheduled" && (await policyStore.countTowardsDrill(ctx.db, policy.id))) {
    await requestDrill(ctx, { requestId: `policy-verify:${backup.id}`, backupId: backup.id, checkCommand: "", checkEnv: "DATABASE_URL", checkTimeoutSeconds: 300 }).catch((error: unknown) =>
      ctx.log.warn({ backupId: backup.id, reason: error instanceof Error ? error.message : "error" }, "could not start the policy's drill"),
    );
  }
}

/**
 * Deletes restore points past their expiry, with their artifacts, but keeps the
 * last good: a dependency's newest succeeded backup and its newest verified one
 * stay whatever their age (store.expiredUnheldBackupIds), so retention alone can
 * never leave a dependency without a restore point.
 */
export async function applyRetention(ctx: BackupContext): Promise<void> {
  const expired = await store.expiredUnheldBackupIds(ctx.db, 100);
  for (const id of expired) {
    await deleteBackup(ctx, id).catch((error: unknown) => ctx.log.warn({ backupId: id, reason: error instanceof Error ? error.message : "error" }, "retention could not delete a backup yet"));
  }
}
