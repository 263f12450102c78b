import type { RestoreRecord } from "../store/store.js";

/**
 * What a restore that did not finish left in its target, said in every reason
 * a cancelled, interrupted or failed restore ends with.
 */
export function targetState(restore: Pick<RestoreRecord, "targetWriteStartedAt" | "targetRollsBack" | "dependencyKind">): string {
  if (!restore.targetWriteStartedAt) return "the target was not touched";
  if (restore.targetRollsBack) {
    return `the target is unchanged: a ${restore.dependencyKind} restore runs in one transaction, which the engine rolls back when the restore does not finish`;
  }
  return "the target may hold partially restored data; restore a backup again before relying on it";
}
