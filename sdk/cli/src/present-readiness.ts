import { DataReadiness, dataClassName, dataReadinessVerdictToJSON, plainJson } from "@berth/client";
import { printFields, printJson, type OutputFormat } from "./output.js";

/** DATA_READINESS_VERDICT_NOT_READY → not-ready */
export function verdictName(readiness: DataReadiness): string {
  return dataReadinessVerdictToJSON(readiness.verdict).replace("DATA_READINESS_VERDICT_", "").toLowerCase().replace(/_/g, "-");
}

/** 3700 → "1h 02m", 200000 → "2d 07h": ages against their limits. */
function span(secondsValue: string): string {
  const seconds = Number(secondsValue);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(seconds / 86400)}d ${String(Math.floor((seconds % 86400) / 3600)).padStart(2, "0")}h`;
}

/** The verdict first, then the evidence, then one line per unmet item with its reason code. */
export function printReadiness(readiness: DataReadiness, format: OutputFormat): void {
  if (format === "json") return printJson(plainJson("berth.backup.v1.DataReadiness", readiness));
  const { policy, latestBackup: backup, latestPassedDrill: drill } = readiness;
  printFields([
    ["dependency", readiness.dependencyId],
    ["verdict", verdictName(readiness)],
    ["data class", dataClassName(readiness.dataClass)],
    ["backup policy", policy ? `${policy.id}: every ${policy.intervalHours} h, ${policy.enabled ? "enabled" : "disabled"}` : "none"],
    ["latest backup", backup ? `${backup.backupId}, ${span(backup.ageSeconds)} old (max ${span(backup.maxAgeSeconds)})${backup.stale ? ", STALE" : ""}` : "none"],
    ["latest passed drill", drill ? `${drill.drillId} of ${drill.backupId}, ${span(drill.ageSeconds)} old (max ${span(drill.maxAgeSeconds)})${drill.stale ? ", STALE" : ""}` : "none"],
    ["post-restore check", !drill ? "-" : !drill.checkCommandConfigured ? "not configured" : drill.checkPassed ? "configured, passed" : "configured, did not pass"],
  ]);
  if (readiness.issues.length > 0) {
    process.stdout.write("\nunmet:\n");
    for (const issue of readiness.issues) process.stdout.write(`  ${issue.reason}: ${issue.message}\n`);
  }
}
