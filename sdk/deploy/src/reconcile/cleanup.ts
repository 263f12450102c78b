import { isBerthApiError, type Dependency } from "@berth/client";
import { disableBackupPolicy, stableRequestId, stopDeployment } from "./client-helpers.js";
import { CleanupBlockedError, planCleanup, type CleanupItem, type CleanupOptions, type CleanupPlan } from "./cleanup-plan.js";
import { REASON } from "./deploy-error.js";

export { CleanupBlockedError, planCleanup } from "./cleanup-plan.js";
export type { CleanupItem, CleanupOptions, CleanupPlan } from "./cleanup-plan.js";

export interface CleanupResult {
  dryRun: boolean;
  /** Stopped, unbound or deleted (or, in a dry run, would be). */
  removed: CleanupItem[];
  /** Left in place, each with the reason. */
  kept: CleanupItem[];
  /**
   * True when one of the preview's own dependencies was refused at delete time
   * although the plan found nothing blocking it (something changed in between,
   * listed in `kept`): run again.
   */
  incomplete: boolean;
}

/**
 * Removes an ephemeral preview: stops its deployments, unbinds its resources,
 * deletes the dependencies whose provenance proves they were created from
 * repository config for this preview, then the preview's resources. Anything
 * else — shared, manually created or bound, imported, another preview's — is
 * never deleted; the result lists it with the reason. Safe to run again.
 *
 * The plan is computed first (planCleanup); when one of the preview's own
 * dependencies cannot be deleted, the cleanup refuses with
 * CleanupBlockedError (dependency_delete_blocked) before changing anything —
 * a dry run and a real run alike.
 */
export async function cleanupPreview(options: CleanupOptions): Promise<CleanupResult> {
  const plan = await planCleanup(options);
  if (plan.blocked.length > 0) throw new CleanupBlockedError(plan.blocked);
  if (options.dryRun) return { dryRun: true, removed: plannedRemovals(plan), kept: plan.kept, incomplete: false };
  return applyCleanupPlan(plan, options);
}

function plannedRemovals(plan: CleanupPlan): CleanupItem[] {
  return [...plan.stops, ...plan.unbinds, ...plan.deletes.flatMap((d) => [...d.backups, d.item]), ...plan.resources];
}

/** Makes the changes of a cleanup plan, in order. */
export async function applyCleanupPlan(plan: CleanupPlan, options: CleanupOptions): Promise<CleanupResult> {
  const { client } = options;
  const requestId = (...parts: string[]) => stableRequestId(options.projectId, options.environmentId, options.preview, "cleanup", ...parts);
  const removed: CleanupItem[] = [];
  const kept = [...plan.kept];
  let incomplete = false;

  // 1. The preview's live deployments: a live deployment pins its dependencies.
  for (const item of plan.stops) {
    options.onProgress?.(`stopping deployment ${item.id} of ${item.name}`);
    await stopDeployment(client, item.id, requestId("stop", item.id));
    removed.push(item);
  }
  // 2. What is bound to the preview's resources.
  for (const item of plan.unbinds) {
    await client.binding.unbindDependency({ id: item.id, requestId: requestId("unbind", item.id) });
    removed.push(item);
  }
  // 3. The preview's own dependencies, each after its backups are settled.
  const resourcesToDelete = plan.resources;
  for (const { dependency, item, backups } of plan.deletes) {
    options.onProgress?.(`deleting dependency ${dependency.name} (${dependency.id})`);
    await disablePolicy(options, dependency, requestId);
    for (const backup of backups) {
      await client.backup.deleteBackup({ id: backup.id, requestId: requestId("backup", backup.id) });
      removed.push(backup);
    }
    try {
      await client.dependency.deleteDependency({ id: dependency.id, requestId: requestId("delete", dependency.id) });
      removed.push(item);
    } catch (error) {
      // Something new references it since the plan (a backup that was running, a new binding).
      if (!isBerthApiError(error) || error.reason !== REASON.deleteBlocked) throw error;
      kept.push({ ...item, reason: `delete blocked: ${error.message}` });
      incomplete = true;
    }
  }
  // 4. The preview's resources, now without bindings or live deployments.
  for (const item of resourcesToDelete) {
    await client.deployment.deleteResource({ id: item.id, requestId: requestId("resource", item.id) });
    removed.push(item);
  }
  return { dryRun: false, removed, kept, incomplete };
}

/** No new backups of a dependency that is going away. */
async function disablePolicy(options: CleanupOptions, dependency: Dependency, requestId: (...parts: string[]) => string): Promise<void> {
  const policy = await options.client.backup.getBackupPolicy({ id: "", dependencyId: dependency.id }).then(
    (r) => r.policy,
    (error: unknown) => {
      if (isBerthApiError(error) && error.reason === "backup_policy_not_found") return undefined;
      throw error;
    },
  );
  if (!policy?.enabled) return;
  await disableBackupPolicy(options.client, dependency.id, policy, requestId("policy-off", policy.id));
}
