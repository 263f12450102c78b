import { Drill, drillStatusToJSON } from "@berth/client";
import { age, enumName, humanDuration, printList, printRecord, printTable, type OutputFormat } from "./output.js";

export function drillStatusName(drill: Drill): string {
  return enumName(drillStatusToJSON(drill.status), "DRILL_STATUS_");
}

/** One drill: outcome, each check with expected and actual, and the check command's masked output. */
export function printDrill(drill: Drill, format: OutputFormat): void {
  printRecord(
    "berth.backup.v1.Drill",
    drill,
    format,
    () => [
      ["id", drill.id],
      ["backup", drill.backupId],
      ["dependency", drill.dependencyId],
      ["status", drillStatusName(drill) + (drill.statusReason ? ` (${drill.statusReason})` : "")],
      ["scratch dependency", drill.scratchDependencyId ? `${drill.scratchDependencyId}${drill.scratchReleased ? " (released)" : ""}` : "-"],
      ["check command", drill.checkCommandConfigured ? (drill.checkPassed === undefined ? "configured, not run" : drill.checkPassed ? "passed" : "failed") : "none"],
      ["duration", Number(drill.durationMs) > 0 ? humanDuration(Number(drill.durationMs)) : "-"],
      ["created", drill.createTime ?? ""],
    ],
    () => {
      if (drill.checks.length > 0) {
        process.stdout.write("\n");
        printTable(
          ["CHECK", "EXPECTED", "ACTUAL", "OK"],
          drill.checks.map((c) => [c.name, c.expected, c.actual, c.ok ? "yes" : "NO"]),
        );
      }
      if (drill.checkOutput) process.stdout.write(`\ncheck output (secrets masked):\n${drill.checkOutput.trimEnd()}\n`);
    },
  );
}

export function printDrillList(drills: Drill[], format: OutputFormat, nextPageToken: string): void {
  printList(drills, format, nextPageToken, {
    typeName: "berth.backup.v1.Drill",
    empty: "No drills yet: run `berth dependency backup verify bkp_…`.",
    headers: ["ID", "BACKUP", "STATUS", "CHECKS", "CHECK COMMAND", "DURATION", "ENDED", "REASON"],
    row: (d) => [
      d.id,
      d.backupId,
      drillStatusName(d),
      `${d.checks.filter((c) => c.ok).length}/${d.checks.length} ok`,
      d.checkCommandConfigured ? (d.checkPassed === undefined ? "not run" : d.checkPassed ? "passed" : "failed") : "-",
      Number(d.durationMs) > 0 ? humanDuration(Number(d.durationMs)) : "-",
      d.endTime ? `${age(d.endTime)} ago` : "-",
      d.statusReason.slice(0, 80) || "-",
    ],
  });
}
