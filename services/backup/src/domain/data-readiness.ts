import { dataClassName, DependencyStatus, ErrorReason, type DataClassName } from "@berth/client";
import { BerthError } from "@berth/runtime";
import { drillStore, type DrillRecord } from "../store/drill-store.js";
import { policyStore, type PolicyRecord } from "../store/policy-store.js";
import { store, type BackupRecord } from "../store/store.js";
import type { BackupContext } from "./context.js";

const HOUR_S = 3600;
/** Without a policy, a backup counts as recent for this long (berth.yaml's default interval). */
export const DEFAULT_BACKUP_WINDOW_HOURS = 24;
/** A passed drill counts as evidence for this long. */
export const DRILL_WINDOW_DAYS = 30;

/** Stable reason codes of unmet items (README "Data readiness" lists them with their rules). */
export type ReadinessReason =
  | "data_class_unset"
  | "no_backup_policy"
  | "backup_policy_disabled"
  | "no_backup"
  | "backup_metadata_only"
  | "backup_stale"
  | "no_verified_backup"
  | "drill_stale"
  | "latest_drill_failed"
  | "no_post_restore_check"
  | "post_restore_check_failed";

export type Verdict = "ready" | "at-risk" | "not-ready";

/** What the gate looks at, gathered from the store and the dependency service. */
export interface ReadinessFacts {
  dependencyId: string;
  dataClass: DataClassName | "unclassified";
  policy?: Pick<PolicyRecord, "id" | "intervalHours" | "enabled"> & { intervalMinutes?: number };
  /** Newest succeeded native backup. */
  latestBackup?: Pick<BackupRecord, "id" | "endedAt" | "createdAt">;
  /** Whether any succeeded metadata-only backup exists (said when there is no native one). */
  hasMetadataOnlyBackup: boolean;
  latestPassedDrill?: Pick<DrillRecord, "id" | "backupId" | "endedAt" | "checkCommandConfigured" | "checkPassed">;
  /** Newest ended drill, passed or failed. */
  latestFinishedDrill?: Pick<DrillRecord, "id" | "status" | "endedAt">;
}

export interface AgedEvidence {
  ageSeconds: number;
  maxAgeSeconds: number;
  isStale: boolean;
}

export interface DataReadinessReport {
  facts: ReadinessFacts;
  verdict: Verdict;
  issues: Array<{ reason: ReadinessReason; message: string }>;
  backup?: AgedEvidence;
  drill?: AgedEvidence;
  evaluatedAt: Date;
}

/** The policy's interval in (possibly fractional) hours; a minutes policy counts exactly. */
function policyHours(policy: ReadinessFacts["policy"]): number | undefined {
  if (!policy) return undefined;
  return policy.intervalMinutes !== undefined ? policy.intervalMinutes / 60 : policy.intervalHours;
}

function intervalText(policy: NonNullable<ReadinessFacts["policy"]>): string {
  const minutes = policy.intervalMinutes ?? policy.intervalHours * 60;
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}min`;
}

/** A scheduled backup takes time to run: allow a quarter of the interval (at least an hour) past it. */
export function backupMaxAgeSeconds(intervalHours: number | undefined): number {
  const interval = (intervalHours ?? DEFAULT_BACKUP_WINDOW_HOURS) * HOUR_S;
  return interval + Math.max(HOUR_S, Math.round(interval / 4));
}

const hours = (seconds: number) => `${Math.round(seconds / 360) / 10}h`;
const days = (seconds: number) => `${Math.round(seconds / 8640) / 10}d`;

function aged(at: Date, now: Date, maxAgeSeconds: number): AgedEvidence {
  const ageSeconds = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  return { ageSeconds, maxAgeSeconds, isStale: ageSeconds > maxAgeSeconds };
}

/**
 * The gate's rules, pure: what each data class demands and one safe reason per
 * unmet item. disposable: nothing (always ready). unclassified: at-risk until
 * classified. reproducible: a recent succeeded native backup, else at-risk.
 * production-critical: an enabled policy, a recent succeeded native backup, a
 * recent passed drill with a passed post-restore check and no failed drill
 * since, else not-ready.
 */
export function evaluateReadiness(facts: ReadinessFacts, now: Date): DataReadinessReport {
  const backupAt = facts.latestBackup ? (facts.latestBackup.endedAt ?? facts.latestBackup.createdAt) : undefined;
  const backup = backupAt ? aged(backupAt, now, backupMaxAgeSeconds(policyHours(facts.policy))) : undefined;
  const drillAt = facts.latestPassedDrill?.endedAt ?? undefined;
  const drill = drillAt ? aged(drillAt, now, DRILL_WINDOW_DAYS * 24 * HOUR_S) : undefined;
  const report = (verdict: Verdict, issues: DataReadinessReport["issues"]): DataReadinessReport => ({ facts, verdict, issues, backup, drill, evaluatedAt: now });

  if (facts.dataClass === "disposable") return report("ready", []);
  if (facts.dataClass === "unclassified") {
    return report("at-risk", [{ reason: "data_class_unset", message: `dependency ${facts.dependencyId} has no data class; set one with \`berth dependency update ${facts.dependencyId} --data-class …\`` }]);
  }

  const issues: DataReadinessReport["issues"] = [];
  const backupIssue = recentBackupIssue(facts, backup);
  if (facts.dataClass === "reproducible") return report(backupIssue ? "at-risk" : "ready", backupIssue ? [backupIssue] : []);

  if (!facts.policy) issues.push({ reason: "no_backup_policy", message: "no backup policy: configure one with `berth dependency backup policy configure`" });
  else if (!facts.policy.enabled) issues.push({ reason: "backup_policy_disabled", message: `backup policy ${facts.policy.id} is disabled` });
  if (backupIssue) issues.push(backupIssue);
  const passed = facts.latestPassedDrill;
  if (!passed || !drill) {
    issues.push({ reason: "no_verified_backup", message: "no restore drill has passed: no backup is proven to restore" });
  } else {
    if (drill.isStale) issues.push({ reason: "drill_stale", message: `the latest passed drill ${passed.id} is ${days(drill.ageSeconds)} old; it counts for ${DRILL_WINDOW_DAYS}d` });
    if (!passed.checkCommandConfigured) issues.push({ reason: "no_post_restore_check", message: `the latest passed drill ${passed.id} ran no post-restore check command` });
    else if (passed.checkPassed !== true) issues.push({ reason: "post_restore_check_failed", message: `the post-restore check of drill ${passed.id} did not pass` });
  }
  const last = facts.latestFinishedDrill;
  if (last && last.status === "failed" && passed && last.endedAt && drillAt && last.endedAt > drillAt) {
    issues.push({ reason: "latest_drill_failed", message: `drill ${last.id} failed after the latest passed drill ${passed.id}` });
  }
  return report(issues.length > 0 ? "not-ready" : "ready", issues);
}

function recentBackupIssue(facts: ReadinessFacts, backup: AgedEvidence | undefined): DataReadinessReport["issues"][number] | undefined {
  if (!facts.latestBackup || !backup) {
    return facts.hasMetadataOnlyBackup
      ? { reason: "backup_metadata_only", message: "only metadata-only backups exist: none holds the data" }
      : { reason: "no_backup", message: "no succeeded native backup" };
  }
  if (backup.isStale) {
    const window = facts.policy ? `the policy interval (${intervalText(facts.policy)}) allows` : `without a policy, ${DEFAULT_BACKUP_WINDOW_HOURS}h allows`;
    return { reason: "backup_stale", message: `the latest succeeded backup ${facts.latestBackup.id} is ${hours(backup.ageSeconds)} old; ${window} ${hours(backup.maxAgeSeconds)} with grace` };
  }
  return undefined;
}

/** Gathers the facts for one dependency (its data class through the dependency service) and evaluates them. */
export async function getDataReadiness(ctx: BackupContext, dependencyId: string): Promise<DataReadinessReport> {
  const dependency = /^dep_[A-Za-z0-9]+$/.test(dependencyId) ? await ctx.dependencies.get(dependencyId) : undefined;
  if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${dependencyId || '""'} not found`, { metadata: { dependency_id: dependencyId } });
  }
  const [policy, latestBackup, anyBackup, latestPassedDrill, latestFinishedDrill] = await Promise.all([
    policyStore.get(ctx.db, { dependencyId }),
    store.latestSucceeded(ctx.db, dependencyId, { nativeOnly: true }),
    store.latestSucceeded(ctx.db, dependencyId, { nativeOnly: false }),
    drillStore.latestPassed(ctx.db, dependencyId),
    drillStore.latestFinished(ctx.db, dependencyId),
  ]);
  return evaluateReadiness(
    {
      dependencyId,
      dataClass: dataClassName(dependency.dataClass),
      policy,
      latestBackup,
      hasMetadataOnlyBackup: !latestBackup && anyBackup !== undefined,
      latestPassedDrill,
      latestFinishedDrill,
    },
    new Date(),
  );
}
