import { DrillStatus, type Drill } from "@berth/client";
import type { DrillRecord, DrillState } from "../store/drill-store.js";
import { presentRun } from "./present.js";

const DRILL_STATUS: Record<DrillState, DrillStatus> = {
  pending: DrillStatus.DRILL_STATUS_PENDING,
  running: DrillStatus.DRILL_STATUS_RUNNING,
  passed: DrillStatus.DRILL_STATUS_PASSED,
  failed: DrillStatus.DRILL_STATUS_FAILED,
};

export function presentDrill(d: DrillRecord): Drill {
  return {
    ...presentRun(d, DRILL_STATUS),
    checks: d.checks.map((c) => ({ name: c.name, expected: c.expected, actual: c.actual, ok: c.ok })),
    checkCommandConfigured: d.checkCommandConfigured,
    checkPassed: d.checkPassed ?? undefined,
    checkOutput: d.checkOutput,
    scratchDependencyId: d.scratchDependencyId,
    scratchReleased: d.scratchReleasedAt !== null,
    durationMs: String(d.durationMs),
  };
}
