import { ErrorReason } from "@berth/client";
import { BerthError } from "@berth/runtime";
import { policyStore } from "../store/policy-store.js";
import { store } from "../store/store.js";
import type { BackupContext } from "./context.js";

/** The records a backup-service list may be filtered by; empty means "not filtered". */
export interface ListParents {
  dependencyId?: string;
  backupId?: string;
  policyId?: string;
}

/**
 * A list filtered by a dependency, backup or policy that does not exist is an
 * error, not an empty list: the caller most likely mistyped the id. The
 * dependency is asked of the dependency service; backups and policies are ours.
 * A deleted dependency or backup still exists here (its history can be listed).
 */
export async function assertParentsExist(ctx: BackupContext, parents: ListParents): Promise<void> {
  const [dependency, backup, policy] = await Promise.all([
    parents.dependencyId ? ctx.dependencies.get(parents.dependencyId) : undefined,
    parents.backupId && /^bkp_[A-Za-z0-9]+$/.test(parents.backupId) ? store.getBackup(ctx.db, parents.backupId) : undefined,
    parents.policyId && /^dbp_[A-Za-z0-9]+$/.test(parents.policyId) ? policyStore.get(ctx.db, { id: parents.policyId }) : undefined,
  ]);
  if (parents.dependencyId && !dependency) {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${parents.dependencyId} not found`, { metadata: { dependency_id: parents.dependencyId } });
  }
  if (parents.backupId && !backup) {
    throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${parents.backupId} not found`, { metadata: { backup_id: parents.backupId } });
  }
  if (parents.policyId && !policy) {
    throw new BerthError(ErrorReason.ERROR_REASON_BACKUP_POLICY_NOT_FOUND, `backup policy ${parents.policyId} not found`, { metadata: { policy_id: parents.policyId } });
  }
}
