import type { Dependency } from "@berth/client";
import type { Logger } from "@berth/runtime";
import type { DrillRecord } from "../store/drill-store.js";
import type { BackupContext } from "./context.js";

/** The environment scratch dependencies of drills live in: apart from the apps' own names. */
export const DRILL_ENVIRONMENT = "env_berth_drills";

/** A scratch dependency's name: one per drill, a valid dependency name. */
export function scratchName(drillId: string): string {
  return `drill-${drillId.slice("drl_".length).toLowerCase()}`;
}

/**
 * Provisions the drill's scratch dependency: same kind and project as the backup's
 * dependency, on the kind's default realization target, with its own credentials.
 * Idempotent per drill (request id), so a retried job finds the same one.
 */
export async function provisionScratch(ctx: BackupContext, drill: DrillRecord, source: Dependency): Promise<Dependency> {
  return ctx.dependencies.provision({
    requestId: `drill-scratch:${drill.id}`,
    projectId: source.projectId,
    environmentId: DRILL_ENVIRONMENT,
    name: scratchName(drill.id),
    kind: source.kind,
    realizationTarget: "",
    restoredFromBackupId: drill.backupId,
  });
}

/** Releases a scratch dependency (drops its database, role, keys or bucket); three tries. */
export async function releaseScratch(ctx: BackupContext, drillId: string, scratchId: string, log: Logger): Promise<{ ok: boolean; reason: string }> {
  let last = "";
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await ctx.dependencies.release(scratchId, `drill-release:${drillId}:${attempt}`);
      return { ok: true, reason: "" };
    } catch (error) {
      last = error instanceof Error ? error.message.slice(0, 300) : "error";
      log.warn({ scratchId, attempt }, "could not release a drill's scratch dependency");
      await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
    }
  }
  return { ok: false, reason: `the scratch dependency ${scratchId} could not be released (${last}); delete it with: berth dependency delete ${scratchId}` };
}
