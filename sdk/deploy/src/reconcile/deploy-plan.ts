import { dataClassName, DependencyStatus, ProvenanceSource, type Backup, type BackupPolicy, type Binding, type DataClassName, type Dependency, type Resource, type RuntimeTarget } from "@berth/client";
import { DATA_CLASSES, type BackupDeclaration, type BerthConfig, type DataClassDeclaration, type RunDeclaration } from "../config/types.js";
import { allPages, LIVE_DEPLOYMENT, orUndefined, resourceDeployments } from "./client-helpers.js";
import { DeployError, REASON } from "./deploy-error.js";
import { checkBindingsDeliverable, checkNames, checkProvisionable, resolveServer } from "./preconditions.js";
import { scopedName, type Change, type ChangeSubject, type DeployOptions, type Kept } from "./types.js";

// berth.yaml's data classes are the API's: a class added to one and not the other fails to compile here.
const SAME_DATA_CLASSES: readonly DataClassName[] = DATA_CLASSES;
void SAME_DATA_CLASSES;

/** The parts of a parsed berth.yaml that deploy acts on; other front ends may build it without a file. */
export type DeployConfig = Pick<BerthConfig, "resource" | "run" | "dependencies">;

/** What one step of a plan does, with what it needs to do it. */
export type StepAction =
  | { do: "create-resource"; name: string; run: RunDeclaration }
  | { do: "provision"; key: string; name: string; kind: string; dataClass?: DataClassDeclaration }
  | { do: "seed"; key: string; name: string; kind: string; dataClass?: DataClassDeclaration; backupId: string; sourceName: string }
  | { do: "set-data-class"; key: string; dependencyId: string; dataClass: DataClassDeclaration }
  | { do: "unbind"; bindingId: string }
  | { do: "bind"; key: string; env: string; dependencyName: string }
  | { do: "configure-policy"; key: string; want: BackupDeclaration }
  | { do: "disable-policy"; key: string; dependencyId: string; policy: BackupPolicy }
  | { do: "stop-deployment"; deploymentId: string }
  | { do: "create-deployment"; previousDeploymentId: string };

/** One change of a plan, in the order it is applied. Ids only, never secrets. */
export type DeployStep = StepAction & { change: Change };

/**
 * Everything deploy will do, computed from current state before anything is
 * changed. A dry run prints it; a real run applies exactly it.
 */
export interface DeployPlan {
  server: RuntimeTarget;
  resourceName: string;
  /** The resource when it exists already. */
  resource?: Resource;
  /** Each dependency key of berth.yaml → the dependency when it exists already. */
  dependencies: Map<string, Dependency | undefined>;
  /** Active bindings of the resource before the plan (by env var). */
  bindings: Map<string, Binding>;
  steps: DeployStep[];
  unchanged: Kept[];
  /** The live deployment kept as it is, when nothing asks for a new one. */
  keptDeploymentId?: string;
}

/**
 * Reads current state and checks every precondition that can be checked before
 * the first change — names, the server and what it can deliver, providers and
 * realization targets for each kind to provision, existing dependencies and
 * their state, the resource's run block — then lists the changes in order.
 * Throws DeployError on the first problem; changes nothing.
 */
export async function planDeploy(config: DeployConfig, options: DeployOptions): Promise<DeployPlan> {
  checkNames(config, options.preview);
  const server = await resolveServer(options.client, options.server);
  const planner = new Planner(config, options, server);
  return planner.plan();
}

class Planner {
  private readonly steps: DeployStep[] = [];
  private readonly unchanged: Kept[] = [];
  private readonly scope: { projectId: string; environmentId: string };

  constructor(
    private readonly config: DeployConfig,
    private readonly options: DeployOptions,
    private readonly server: RuntimeTarget,
  ) {
    this.scope = { projectId: options.projectId, environmentId: options.environmentId };
  }

  async plan(): Promise<DeployPlan> {
    const resourceName = scopedName(this.config.resource, this.options.preview);
    const resource = await this.planResource(resourceName);
    const dependencies = await this.planDependencies();
    const bindings = resource ? await this.activeBindings(resource.id) : new Map<string, Binding>();
    checkBindingsDeliverable(this.config, this.server, resource, bindings);
    this.planBindings(resourceName, dependencies, bindings);
    await this.planPolicies(dependencies);
    const keptDeploymentId = await this.planDeployment(resourceName, resource, bindings);
    return { server: this.server, resourceName, resource, dependencies, bindings, steps: this.steps, unchanged: this.unchanged, keptDeploymentId };
  }

  private add(step: StepAction, subject: ChangeSubject, action: string, name: string, summary: string, id?: string): void {
    this.steps.push({ ...step, change: { subject, action, name, summary, id } });
  }

  private keep(subject: ChangeSubject, name: string, id: string, summary: string): void {
    this.unchanged.push({ subject, name, id, summary });
  }

  private async planResource(name: string): Promise<Resource | undefined> {
    const { resources } = await this.options.client.deployment.listResources({ ...this.scope, name, pageSize: 1, pageToken: "" });
    const existing = resources[0];
    const run = this.config.run;
    if (existing) {
      const drift = run ? resourceDrift(existing, run) : [];
      if (drift.length > 0) {
        // There is no in-place resource update yet: say what differs instead of silently ignoring it.
        throw new DeployError(
          REASON.configConflict,
          `resource ${name} exists with a different ${drift.join(", ")} than berth.yaml's run block; Berth cannot change a resource in place yet: ` +
            `delete it (\`berth resource delete ${existing.id}\`) and deploy again, or make berth.yaml match`,
        );
      }
      this.keep("resource", name, existing.id, `resource ${name} (${existing.id})`);
      return existing;
    }
    if (!run) {
      throw new DeployError(
        REASON.resourceNotFound,
        `resource ${name} does not exist in ${this.options.projectId}/${this.options.environmentId}: add a run block (run.command) to berth.yaml so deploy can create it, or create it with \`berth resource create\``,
      );
    }
    this.add({ do: "create-resource", name, run }, "resource", "create", name, `create resource ${name} (${run.command})`);
    return undefined;
  }

  private async planDependencies(): Promise<Map<string, Dependency | undefined>> {
    const existing = await allPages(async (pageToken) => {
      const page = await this.options.client.dependency.listDependencies({ ...this.scope, kind: "", status: 0, pageSize: 500, pageToken, showDeleted: false });
      return { items: page.dependencies, nextPageToken: page.nextPageToken };
    });
    const byName = new Map(existing.map((d) => [d.name, d]));
    const out = new Map<string, Dependency | undefined>();
    const toProvision: Array<{ key: string; kind: string }> = [];
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      const name = declared.source === "existing" ? declared.name! : scopedName(key, this.options.preview);
      const found = byName.get(name);
      if (!found && declared.source === "existing") {
        throw new DeployError(
          REASON.dependencyNotFound,
          `dependencies.${key}: no dependency named ${declared.name} in ${this.options.projectId}/${this.options.environmentId} (source: existing binds one that already exists)`,
        );
      }
      if (found) {
        assertUsable(key, found, declared.kind);
        this.keep("dependency", key, found.id, declared.source === "existing" ? `dependency ${found.name} (${found.id}, existing)` : `${declared.kind} dependency ${name} (${found.id})`);
        out.set(key, found);
        // Sets the declared data class when the dependency has another; a file that names none leaves it alone.
        const current = dataClassName(found.dataClass);
        if (declared.dataClass && declared.dataClass !== current) {
          this.add({ do: "set-data-class", key, dependencyId: found.id, dataClass: declared.dataClass }, "dependency", "update", key, `set the data class of ${found.name} (${found.id}) from ${current} to ${declared.dataClass}`, found.id);
        }
        continue;
      }
      toProvision.push({ key, kind: declared.kind });
      const classNote = declared.dataClass ? `, data class ${declared.dataClass}` : "";
      if (declared.source === "managed" && declared.seedFrom) {
        const seed = await this.seedBackup(key, declared.seedFrom, declared.kind, byName);
        this.add(
          { do: "seed", key, name, kind: declared.kind, dataClass: declared.dataClass, backupId: seed.id, sourceName: declared.seedFrom },
          "dependency",
          "provision",
          key,
          `provision managed ${declared.kind} dependency ${name} from verified backup ${seed.id} of ${declared.seedFrom}${classNote}`,
        );
        out.set(key, undefined);
        continue;
      }
      this.add({ do: "provision", key, name, kind: declared.kind, dataClass: declared.dataClass }, "dependency", "provision", key, `provision managed ${declared.kind} dependency ${name}${classNote}`);
      out.set(key, undefined);
    }
    await checkProvisionable(this.options.client, toProvision);
    return out;
  }

  /** The newest verified backup of `seedFrom` (same environment, same kind), or a DeployError saying what is missing. */
  private async seedBackup(key: string, sourceName: string, kind: string, byName: Map<string, Dependency>): Promise<Backup> {
    const source = byName.get(sourceName);
    if (!source) {
      throw new DeployError(REASON.dependencyNotFound, `dependencies.${key}.seedFrom: no dependency named ${sourceName} in ${this.options.projectId}/${this.options.environmentId}`);
    }
    if (source.kind !== kind) {
      throw new DeployError(REASON.configInvalid, `dependencies.${key}.seedFrom: ${sourceName} is a ${source.kind} dependency; ${key} is ${kind}`);
    }
    const backups = await allPages(async (pageToken) => {
      const page = await this.options.client.backup.listBackups({ dependencyId: source.id, status: 0, pageSize: 500, pageToken, showDeleted: false });
      return { items: page.backups, nextPageToken: page.nextPageToken };
    });
    const verified = backups.find((b) => b.latestVerified);
    if (!verified) {
      throw new DeployError(
        REASON.backupNotFound,
        `dependencies.${key}.seedFrom: ${sourceName} (${source.id}) has no verified backup to seed from; verify one first: berth dependency backup verify bkp_… (see berth dependency backup list ${source.id})`,
      );
    }
    return verified;
  }

  private async activeBindings(resourceId: string): Promise<Map<string, Binding>> {
    const active = await allPages(async (pageToken) => {
      const page = await this.options.client.binding.listBindings({ ...this.scope, resourceId, dependencyId: "", includeUnbound: false, pageSize: 500, pageToken });
      return { items: page.bindings, nextPageToken: page.nextPageToken };
    });
    return new Map(active.map((b) => [b.targetEnvVar, b]));
  }

  private planBindings(resourceName: string, dependencies: Map<string, Dependency | undefined>, active: Map<string, Binding>): void {
    const byEnv = new Map(active);
    const wanted = new Set<string>();
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      const env = declared.bind.env;
      wanted.add(env);
      const dependency = dependencies.get(key);
      const current = byEnv.get(env);
      if (current && dependency && current.dependencyId === dependency.id) {
        this.keep("binding", env, current.id, `${env} ← ${dependency.name} (${current.id})`);
        continue;
      }
      const dependencyName = dependency?.name ?? scopedName(key, this.options.preview);
      if (current) {
        const how = current.provenance?.source === ProvenanceSource.PROVENANCE_SOURCE_CONFIG ? "" : ", a binding made by hand";
        this.add({ do: "unbind", bindingId: current.id }, "binding", "unbind", env, `unbind ${env} from ${current.dependencyId}${how} (berth.yaml binds it to ${dependencyName})`, current.id);
        byEnv.delete(env);
      }
      this.add({ do: "bind", key, env, dependencyName }, "binding", "bind", env, `bind ${dependencyName} to ${resourceName} as ${env}`);
    }
    // Bindings an earlier deploy made from this config that berth.yaml no longer declares. Manual ones stay.
    for (const [env, binding] of byEnv) {
      if (wanted.has(env)) continue;
      if (binding.provenance?.source !== ProvenanceSource.PROVENANCE_SOURCE_CONFIG) {
        this.keep("binding", env, binding.id, `${env} (${binding.id}, bound manually, not in berth.yaml: kept)`);
        continue;
      }
      this.add({ do: "unbind", bindingId: binding.id }, "binding", "unbind", env, `unbind ${env} (no longer in berth.yaml)`, binding.id);
    }
  }

  private async planPolicies(dependencies: Map<string, Dependency | undefined>): Promise<void> {
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      if (declared.source !== "managed") continue;
      const dependency = dependencies.get(key);
      const name = dependency?.name ?? scopedName(key, this.options.preview);
      const policy = dependency ? (await orUndefined(this.options.client.backup.getBackupPolicy({ id: "", dependencyId: dependency.id })))?.policy : undefined;
      const want = declared.backup;
      if (!want || !want.enabled) {
        // Disable only a policy this config could have made: the dependency is config-provisioned.
        if (dependency && policy?.enabled && dependency.provenance?.source === ProvenanceSource.PROVENANCE_SOURCE_CONFIG) {
          this.add({ do: "disable-policy", key, dependencyId: dependency.id, policy }, "backup-policy", "disable", key, `disable the backup policy of ${name} (berth.yaml turns backups off)`, policy.id);
        }
        continue;
      }
      if (policy && policy.enabled && policy.intervalHours === want.intervalHours && policy.retentionDays === want.retentionDays && policy.retryOnFailure === want.retryOnFailure) {
        this.keep("backup-policy", key, policy.id, `backup policy of ${name}: every ${want.intervalHours} h, kept ${want.retentionDays} d`);
        continue;
      }
      const action = policy ? "update" : "create";
      const summary = `${action} the backup policy of ${name}: every ${want.intervalHours} h, kept ${want.retentionDays} d${want.retryOnFailure ? ", retry on failure" : ""}`;
      this.add({ do: "configure-policy", key, want }, "backup-policy", action, key, summary);
    }
  }

  /** A new deployment unless the latest one is live on this server with exactly the bindings the plan leaves. */
  private async planDeployment(name: string, resource: Resource | undefined, bindings: Map<string, Binding>): Promise<string | undefined> {
    const history = resource ? await resourceDeployments(this.options.client, this.scope, resource.id) : [];
    const latest = history.at(-1);
    const bindingsChange = this.steps.some((s) => s.do === "bind" || s.do === "unbind");
    if (
      latest &&
      !bindingsChange &&
      latest.runtimeTargetId === this.server.id &&
      LIVE_DEPLOYMENT.has(latest.status) &&
      snapshotKey(latest.snapshot) === snapshotKey([...bindings.values()].map((b) => ({ bindingId: b.id, secretRef: b.secretRef })))
    ) {
      this.keep("deployment", name, latest.id, `deployment ${latest.id} of ${name} is live with the same bindings`);
      return latest.id;
    }
    // One live deployment per resource: the one being replaced is stopped first, so
    // it frees what the new one needs (its port, its queue consumers…).
    for (const old of history.filter((d) => LIVE_DEPLOYMENT.has(d.status))) {
      this.add({ do: "stop-deployment", deploymentId: old.id }, "deployment", "stop", name, `stop deployment ${old.id} of ${name} (replaced by the new one)`, old.id);
    }
    this.add({ do: "create-deployment", previousDeploymentId: latest?.id ?? "" }, "deployment", "create", name, `deploy ${name} to ${this.options.server}`);
    return undefined;
  }
}

/** A dependency berth.yaml names must be of its kind and usable (not failed, not going away). */
function assertUsable(key: string, found: Dependency, kind: string): void {
  if (found.kind !== kind) {
    throw new DeployError(REASON.configConflict, `dependencies.${key}: ${found.name} (${found.id}) is a ${found.kind} dependency, but berth.yaml declares kind ${kind}`);
  }
  if (found.status === DependencyStatus.DEPENDENCY_STATUS_DELETING) {
    throw new DeployError(REASON.dependencyNotReady, `dependencies.${key}: ${found.name} (${found.id}) is being deleted; wait for it to go and deploy again`);
  }
  if (found.status === DependencyStatus.DEPENDENCY_STATUS_FAILED) {
    throw new DeployError(REASON.dependencyNotReady, `dependency ${found.name} (${found.id}) failed to provision: ${found.statusReason || "see berth dependency show"}; delete it and deploy again`);
  }
}

function resourceDrift(resource: Resource, run: RunDeclaration): string[] {
  const drift: string[] = [];
  if (resource.command !== run.command) drift.push("command");
  if (run.cwd !== undefined && run.cwd !== resource.cwd) drift.push("cwd");
  if ((run.healthUrl ?? "") !== resource.healthUrl) drift.push("healthUrl");
  return drift;
}

/** Bindings and their secret versions, in a form two snapshots can be compared by. */
export function snapshotKey(entries: Array<{ bindingId: string; secretRef: string }>): string {
  return entries
    .map((e) => `${e.bindingId}=${e.secretRef}`)
    .sort()
    .join(",");
}
