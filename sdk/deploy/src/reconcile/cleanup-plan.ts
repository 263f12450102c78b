import { DependencySource, DependencyStatus, ProvenanceSource, type Binding, type Dependency, type DependencyReference, type Provenance, type Resource } from "@berth/client";
import { allPages, LIVE_DEPLOYMENT, resourceDeployments } from "./client-helpers.js";
import { DeployError, REASON } from "./deploy-error.js";
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

/** What a cleanup will do, in order, computed before anything is changed. */
export interface CleanupPlan {
  stops: CleanupItem[];
  unbinds: CleanupItem[];
  /** Each of the preview's own dependencies, with the backups deleted before it (only with deleteBackups). */
  deletes: Array<{ dependency: Dependency; item: CleanupItem; backups: CleanupItem[] }>;
  resources: CleanupItem[];
  /** Left in place on purpose (not the preview's own), each with the reason. */
  kept: CleanupItem[];
  /** The preview's own dependencies that could not be deleted, each with what blocks it. */
  blocked: CleanupItem[];
}

/** Thrown, before anything changed, when some of the preview's own dependencies cannot be deleted. */
export class CleanupBlockedError extends DeployError {
  constructor(readonly blocked: CleanupItem[]) {
    super(
      REASON.deleteBlocked,
      `nothing was changed: ${blocked.length === 1 ? "one of the preview's own dependencies cannot" : `${blocked.length} of the preview's own dependencies cannot`} be deleted — ` +
        blocked.map((b) => `${b.name} (${b.id}): ${b.reason}`).join("; "),
    );
    this.name = "CleanupBlockedError";
  }
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
 * Reads the environment and decides what a cleanup removes: the preview's live
 * deployments (stopped), what is bound to its resources (unbound), the
 * dependencies whose provenance proves they were created for this preview
 * (deleted, with their backups when asked) and the preview's resources. Each
 * own dependency is checked with the dependency service's own delete check
 * (CheckDependencyDelete), less what the cleanup itself removes first; what
 * still blocks — retained backups without deleteBackups, bindings or live
 * deployments from outside the preview, deletion protection, a restore in
 * progress, a dependency still provisioning — is listed in `blocked`.
 */
export async function planCleanup(options: CleanupOptions): Promise<CleanupPlan> {
  const { client } = options;
  const scope = { projectId: options.projectId, environmentId: options.environmentId };
  const resources = await allPages(async (pageToken) => {
    const page = await client.deployment.listResources({ ...scope, name: "", pageSize: 500, pageToken });
    return { items: page.resources, nextPageToken: page.nextPageToken };
  });
  const previewResources = resources.filter((r) => provenFor(r.provenance, options));
  const previewResourceIds = new Set(previewResources.map((r) => r.id));
  const dependencies = await allPages(async (pageToken) => {
    const page = await client.dependency.listDependencies({ ...scope, kind: "", status: 0, pageSize: 500, pageToken, showDeleted: false });
    return { items: page.dependencies, nextPageToken: page.nextPageToken };
  });
  const bindings = await allPages(async (pageToken) => {
    const page = await client.binding.listBindings({ ...scope, resourceId: "", dependencyId: "", includeUnbound: false, pageSize: 500, pageToken });
    return { items: page.bindings, nextPageToken: page.nextPageToken };
  });

  const stops = await liveDeploymentsOf(options, previewResources);
  const unbinds = bindings
    .filter((b) => previewResourceIds.has(b.resourceId))
    .map((b): CleanupItem => ({ subject: "binding", id: b.id, name: b.targetEnvVar, reason: `unbound from the preview's resource ${b.resourceId}` }));
  const removedFirst = new Set([...stops, ...unbinds].map((i) => i.id));

  const kept: CleanupItem[] = [];
  const blocked: CleanupItem[] = [];
  const deletes: CleanupPlan["deletes"] = [];
  for (const dependency of dependencies) {
    const own = dependency.source === DependencySource.DEPENDENCY_SOURCE_MANAGED && provenFor(dependency.provenance, options);
    if (!own) {
      kept.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: keepReason(dependency, options) });
      continue;
    }
    const backups = options.deleteBackups ? await backupsOf(options, dependency) : [];
    const blockers = await blockersOf(options, dependency, bindings, previewResourceIds, new Set([...removedFirst, ...backups.map((b) => b.id)]));
    if (blockers.length > 0) {
      blocked.push({ subject: "dependency", id: dependency.id, name: dependency.name, reason: blockers.join("; ") });
      continue;
    }
    deletes.push({ dependency, backups, item: { subject: "dependency", id: dependency.id, name: dependency.name, reason: `created from repository config for preview ${options.preview}` } });
  }
  const resourceItems = previewResources.map((r): CleanupItem => ({ subject: "resource", id: r.id, name: r.name, reason: `created from repository config for preview ${options.preview}` }));
  return { stops, unbinds, deletes, resources: resourceItems, kept, blocked };
}

async function liveDeploymentsOf(options: CleanupOptions, resources: Resource[]): Promise<CleanupItem[]> {
  const scope = { projectId: options.projectId, environmentId: options.environmentId };
  const items: CleanupItem[] = [];
  for (const resource of resources) {
    const deployments = await resourceDeployments(options.client, scope, resource.id);
    for (const d of deployments.filter((d) => LIVE_DEPLOYMENT.has(d.status))) items.push({ subject: "deployment", id: d.id, name: resource.name, reason: "stopped: a deployment of the preview" });
  }
  return items;
}

async function backupsOf(options: CleanupOptions, dependency: Dependency): Promise<CleanupItem[]> {
  const backups = await allPages(async (pageToken) => {
    const page = await options.client.backup.listBackups({ dependencyId: dependency.id, status: 0, pageSize: 500, pageToken, showDeleted: false });
    return { items: page.backups, nextPageToken: page.nextPageToken };
  });
  return backups.map((b) => ({ subject: "backup", id: b.id, name: dependency.name, reason: `a backup of the preview's own dependency ${dependency.name}` }));
}

/** What would still block deleting the dependency once the cleanup's own earlier steps are done. */
async function blockersOf(options: CleanupOptions, dependency: Dependency, bindings: Binding[], previewResourceIds: Set<string>, removedFirst: Set<string>): Promise<string[]> {
  if (dependency.status === DependencyStatus.DEPENDENCY_STATUS_PROVISIONING) return ["it is still provisioning; run the cleanup again once it is ready or failed"];
  const { references } = await options.client.dependency.checkDependencyDelete({ id: dependency.id });
  return references.filter((r) => !removedFirst.has(r.id)).map((r) => describeBlocker(r, dependency, bindings, previewResourceIds, options));
}

function describeBlocker(reference: DependencyReference, dependency: Dependency, bindings: Binding[], previewResourceIds: Set<string>, options: CleanupOptions): string {
  if (reference.kind === "backup") {
    return options.deleteBackups ? `${reference.description} (made after the cleanup was planned; run it again)` : `${reference.description} (retained backups block it: pass --delete-backups to delete the preview's own backups)`;
  }
  if (reference.kind === "binding") {
    const binding = bindings.find((b) => b.id === reference.id);
    if (binding && !previewResourceIds.has(binding.resourceId)) {
      return `bound to resource ${binding.resourceId} outside this preview as ${binding.targetEnvVar} (${binding.id}); unbind it first (berth resource dependency unbind ${binding.id})`;
    }
  }
  if (reference.kind === "deployment_snapshot") return `${reference.description}, outside this preview; stop it first (berth deployments stop ${reference.id})`;
  return reference.description || `${reference.kind} ${reference.id} of ${dependency.id}`;
}
