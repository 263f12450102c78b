import { DependencySource, isBerthApiError, ProvenanceSource, type Dependency, type Provenance } from "@berth/client";
import { allPages, LIVE_DEPLOYMENT, resourceDeployments, stableRequestId, stopDeployment } from "./client-helpers.js";
import type { DeployTarget } from "./types.js";

export interface CleanupOptions extends DeployTarget {
  preview: string;
  dryRun?: boolean;
  /** Also delete the backups of the preview's own dependencies (retained backups otherwise block their delete). */
  deleteBackups?: boolean;
  onProgress?: (message: string) => void;
}

export interface CleanupItem {
  subject: "resource" | "dependency" | "binding" | "deployment" | "backup";
  id: string;
  name: string;
  /** Why it was removed or kept, in one safe sentence. */
  reason: string;
}

export interface CleanupResult {
  dryRun: boolean;
  /** Stopped, unbound or deleted (or, in a dry run, would be). */
  removed: CleanupItem[];
  /** Left in place, each with the reason. */
  kept: CleanupItem[];
  /** True when some of the preview's own dependencies could not be deleted (see `kept`): run again after fixing that. */
  incomplete: boolean;
}

/**
 * True when `provenance` proves the record was created from repository config for
 * exactly this preview of exactly this repository ("" only matches records that
 * were deployed without --repository too).
 */
function provenFor(provenance: Provenance | undefined, target: CleanupOptions): boolean {
  return (
    provenance?.source === ProvenanceSource.PROVENANCE_SOURCE_CONFIG &&
    provenance.previewId === target.preview &&
    provenance.environment === target.environmentId &&
    provenance.repository === (target.repository ?? "")
  );
}

/** Why a dependency is not the preview's own. */
function keepReason(dependency: Dependency, target: CleanupOptions): string {
  if (dependency.source === DependencySource.DEPENDENCY_SOURCE_IMPORTED) return "imported: Berth never deletes an imported dependency";
  const p = dependency.provenance;
  if (p?.source !== ProvenanceSource.PROVENANCE_SOURCE_CONFIG) return "not created from repository config (created manually or by the CLI)";
  if (!p.previewId) return "created from repository config outside any preview: shared by the environment";
  if (p.previewId !== target.preview) return `belongs to preview ${p.previewId}`;
  if (p.repository !== (target.repository ?? "")) {
    return p.repository ? `created from repository ${p.repository} (pass --repository ${p.repository} if that is this one)` : "created without a repository name, but --repository was given";
  }
  return "its provenance does not prove it belongs to this preview";
}

/**
 * Removes an ephemeral preview: stops its deployments, unbinds its resources,
 * deletes the dependencies whose provenance proves they were created from
 * repository config for this preview, then the preview's resources. Anything
 * else — shared, manually created or bound, imported, another preview's — is
 * never deleted; the result lists it with the reason. Safe to run again.
 */
export async function cleanupPreview(options: CleanupOptions): Promise<CleanupResult> {
  const { client } = options;
  const scope = { projectId: options.projectId, environmentId: options.environmentId };
  const dry = options.dryRun ?? false;
  const removed: CleanupItem[] = [];
  const kept: CleanupItem[] = [];
  const requestId = (...parts: string[]) => stableRequestId(options.projectId, options.environmentId, options.preview, "cleanup", ...parts);

  const resources = await allPages(async (pageToken) => {
    const page = await client.deployment.listResources({ ...scope, name: "", pageSize: 500, pageToken });
    return { items: page.resources, nextPageToken: page.nextPageToken };
  });
  const previewResources = resources.filter((r) => provenFor(r.provenance, options));
  const dependencies = await allPages(async (pageToken) => {
    const page = await client.dependency.listDependencies({ ...scope, kind: "", status: 0, pageSize: 500, pageToken, showDeleted: false });
    return { items: page.dependencies, nextPageToken: page.nextPageToken };
  });
  const own = dependencies.filter((d) => d.source === DependencySource.DEPENDENCY_SOURCE_MANAGED && provenFor(d.provenance, options));
  const ownIds = new Set(own.map((d) => d.id));
  const previewResourceIds = new Set(previewResources.map((r) => r.id));

  // 1. Stop the preview's live deployments: a live deployment pins its dependencies.
  for (const resource of previewResources) {
    const deployments = await resourceDeployments(client, scope, resource.id);
    for (const deployment of deployments.filter((d) => LIVE_DEPLOYMENT.has(d.status))) {
      removed.push({ subject: "deployment", id: deployment.id, name: resource.name, reason: "stopped: a deployment of the preview" });
      if (!dry) {
        options.onProgress?.(`stopping deployment ${deployment.id} of ${resource.name}`);
        await stopDeployment(client, deployment.id, requestId("stop", deployment.id));
      }
    }
  }

  // 2. Unbind what is bound to the preview's resources, and the preview's own dependencies.
  const bindings = await allPages(async (pageToken) => {
    const page = await client.binding.listBindings({ ...scope, resourceId: "", dependencyId: "", includeUnbound: false, pageSize: 500, pageToken });
    return { items: page.bindings, nextPageToken: page.nextPageToken };
  });
  const blockedByOutside = new Map<string, string>();
  let incomplete = false;
  for (const binding of bindings) {
    const onPreviewResource = previewResourceIds.has(binding.resourceId);
    if (!onPreviewResource) {
      // A resource outside the preview uses one of the preview's dependencies: leave both alone.
      if (ownIds.has(binding.dependencyId)) blockedByOutside.set(binding.dependencyId, `bound to resource ${binding.resourceId} outside this preview (${binding.targetEnvVar})`);
      continue;
    }
    removed.push({ subject: "binding", id: binding.id, name: binding.targetEnvVar, reason: `unbound from the preview's resource ${binding.resourceId}` });
    if (!dry) await client.binding.unbindDependency({ id: binding.id, requestId: requestId("unbind", binding.id) });
  }

  // 3. Delete the preview's own dependencies; keep everything else, saying why.
  for (const dependency of dependencies) {
    if (!ownIds.has(dependency.id)) {
      kept.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: keepReason(dependency, options) });
      continue;
    }
    const outside = blockedByOutside.get(dependency.id);
    if (outside) {
      kept.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: outside });
      incomplete = true;
      continue;
    }
    if (dry) {
      removed.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: `created from repository config for preview ${options.preview}` });
      continue;
    }
    options.onProgress?.(`deleting dependency ${dependency.name} (${dependency.id})`);
    await settleBackups(options, dependency, requestId, removed);
    try {
      await client.dependency.deleteDependency({ id: dependency.id, requestId: requestId("delete", dependency.id) });
      removed.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: `created from repository config for preview ${options.preview}` });
    } catch (error) {
      if (!isBerthApiError(error) || error.reason !== "dependency_delete_blocked") throw error;
      const hint = options.deleteBackups ? "" : " (retained backups block it: pass --delete-backups to delete the preview's own backups)";
      kept.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: `delete blocked: ${error.message}${hint}` });
      incomplete = true;
    }
  }

  // 4. The preview's resources, now without bindings or live deployments.
  for (const resource of previewResources) {
    removed.push({ subject: "resource", id: resource.id, name: resource.name, reason: `created from repository config for preview ${options.preview}` });
    if (!dry) await client.deployment.deleteResource({ id: resource.id, requestId: requestId("resource", resource.id) });
  }
  return { dryRun: dry, removed, kept, incomplete };
}

/**
 * A preview dependency's backup policy is turned off (no new backups while it is
 * going away) and, with deleteBackups, its backups are deleted so they do not
 * block the delete.
 */
async function settleBackups(options: CleanupOptions, dependency: Dependency, requestId: (...parts: string[]) => string, removed: CleanupItem[]): Promise<void> {
  const { client } = options;
  const policy = await client.backup.getBackupPolicy({ id: "", dependencyId: dependency.id }).then(
    (r) => r.policy,
    (error: unknown) => {
      if (isBerthApiError(error) && error.reason === "backup_policy_not_found") return undefined;
      throw error;
    },
  );
  if (policy?.enabled) {
    await client.backup.configureBackupPolicy({
      requestId: requestId("policy-off", policy.id),
      dependencyId: dependency.id,
      intervalHours: policy.intervalHours,
      retentionDays: policy.retentionDays,
      retryOnFailure: policy.retryOnFailure,
      enabled: false,
    });
  }
  if (!options.deleteBackups) return;
  const backups = await allPages(async (pageToken) => {
    const page = await client.backup.listBackups({ dependencyId: dependency.id, status: 0, pageSize: 500, pageToken, showDeleted: false });
    return { items: page.backups, nextPageToken: page.nextPageToken };
  });
  for (const backup of backups) {
    await client.backup.deleteBackup({ id: backup.id, requestId: requestId("backup", backup.id) });
    removed.push({ subject: "backup", id: backup.id, name: dependency.name, reason: `a backup of the preview's own dependency ${dependency.name}` });
  }
}
