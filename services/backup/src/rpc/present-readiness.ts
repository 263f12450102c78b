import { dataClassFromName, DataReadinessVerdict, type DataReadiness } from "@berth/client";
import type { DataReadinessReport, Verdict } from "../domain/data-readiness.js";

const VERDICT: Record<Verdict, DataReadinessVerdict> = {
  ready: DataReadinessVerdict.DATA_READINESS_VERDICT_READY,
  "at-risk": DataReadinessVerdict.DATA_READINESS_VERDICT_AT_RISK,
  "not-ready": DataReadinessVerdict.DATA_READINESS_VERDICT_NOT_READY,
};

/** The gate's report on the wire: ids, times, ages and reasons only. */
export function presentReadiness(report: DataReadinessReport): DataReadiness {
  const { facts, backup, drill } = report;
  const passed = facts.latestPassedDrill;
  return {
    dependencyId: facts.dependencyId,
    dataClass: dataClassFromName(facts.dataClass),
    verdict: VERDICT[report.verdict],
    issues: report.issues.map((i) => ({ reason: i.reason, message: i.message })),
    policy: facts.policy ? { id: facts.policy.id, intervalHours: facts.policy.intervalHours, enabled: facts.policy.enabled } : undefined,
    latestBackup:
      facts.latestBackup && backup
        ? {
            backupId: facts.latestBackup.id,
            endTime: (facts.latestBackup.endedAt ?? facts.latestBackup.createdAt).toISOString(),
            ageSeconds: String(backup.ageSeconds),
            maxAgeSeconds: String(backup.maxAgeSeconds),
            stale: backup.isStale,
          }
        : undefined,
    latestPassedDrill:
      passed && drill
        ? {
            drillId: passed.id,
            backupId: passed.backupId,
            endTime: passed.endedAt?.toISOString(),
            ageSeconds: String(drill.ageSeconds),
            maxAgeSeconds: String(drill.maxAgeSeconds),
            stale: drill.isStale,
            checkCommandConfigured: passed.checkCommandConfigured,
            checkPassed: passed.checkPassed === true,
          }
        : undefined,
    evaluateTime: report.evaluatedAt.toISOString(),
  };
}
