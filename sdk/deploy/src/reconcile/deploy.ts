import {
  BindingStatus,
  dataClassFromName,
  dataClassName,
  DependencyStatus,
  ErrorReason,
  ProvenanceSource,
  reasonCode,
  type Binding,
  type DataClassName,
  type Dependency,
  type Resource,
} from "@berth/client";
import { allPages, LIVE_DEPLOYMENT, orUndefined, resourceDeployments, sleep, stableRequestId, stopDeployment } from "./client-helpers.js";
import { DATA_CLASSES, type BerthConfig, type DependencyDeclaration } from "../config/types.js";

// berth.yaml's data classes are the API's: a class added to one and not the other fails to compile here.
const SAME_DATA_CLASSES: readonly DataClassName[] = DATA_CLASSES;
void SAME_DATA_CLASSES;
import { configProvenance, scopedName, type Change, type ChangeSubject, type DeployOptions, type DeployResult, type Kept } from "./types.js";

/** The parts of a parsed berth.yaml that deploy acts on; other front ends may build it without a file. */
export type DeployConfig = Pick<BerthConfig, "resource" | "run" | "dependencies">;

/** Thrown when the environment cannot be made to match berth.yaml; `reason` is a stable Berth reason code. */
export class DeployError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "DeployError";
  }
}

/**
 * Makes a project environment match berth.yaml, in order: the resource, its
 * managed dependencies (provisioned when none of that name exists), bindings
 * to the requested env vars, backup policies (through the policy operations —
 * deploy never runs a backup or restore), then a deployment that references
 * only ids. Each step reads current state first and changes only what
 * differs, with request ids derived from the change, so a second run changes
 * nothing and a run killed midway finishes cleanly when started again.
 */
export async function deploy(config: DeployConfig, options: DeployOptions): Promise<DeployResult> {
  const run = new Reconciler(config, options);
  return run.execute();
}

class Reconciler {
  private readonly changes: Change[] = [];
  private readonly unchanged: Kept[] = [];
  private readonly dry: boolean;

  constructor(
    private readonly config: DeployConfig,
    private readonly options: DeployOptions,
  ) {
    this.dry = options.dryRun ?? false;
  }

  async execute(): Promise<DeployResult> {
    this.validateNames();
    const serverId = await this.resolveServer();
    const resource = await this.reconcileResource();
    const dependencies = await this.reconcileDependencies();
    if (!this.dry) await this.waitReady(dependencies);
    const bindings = await this.reconcileBindings(resource, dependencies);
    await this.reconcilePolicies(dependencies);
    const deploymentId = await this.reconcileDeployment(resource, serverId, bindings);
    return { dryRun: this.dry, changes: this.changes, unchanged: this.unchanged, resourceId: resource?.id, deploymentId };
  }

  private get client() {
    return this.options.client;
  }

  private scope() {
    return { projectId: this.options.projectId, environmentId: this.options.environmentId };
  }

  private record(subject: ChangeSubject, action: string, name: string, summary: string, id?: string): void {
    const change: Change = { subject, action, name, summary, id };
    this.changes.push(change);
    this.options.onChange?.(change);
  }

  private keep(subject: ChangeSubject, name: string, id: string, summary: string): void {
    this.unchanged.push({ subject, name, id, summary });
  }

  private requestId(...parts: string[]): string {
    return stableRequestId(this.options.projectId, this.options.environmentId, this.options.preview ?? "", ...parts);
  }

  /**
   * Creates a record with a request id derived from `parts`. A request id names
   * one record forever, so when the record it names was since deleted or unbound
   * (a preview cleaned up and reopened, an env var renamed and renamed back),
   * the next id in the sequence (":2", ":3"…) is used. A run killed after a
   * create sends the same id again and gets the live record back.
   */
  private async createLive<T>(parts: string[], create: (requestId: string) => Promise<T>, live: (record: T) => Promise<boolean>): Promise<T> {
    for (let attempt = 1; attempt <= 100; attempt++) {
      const record = await create(this.requestId(...parts, ...(attempt === 1 ? [] : [`#${attempt}`])));
      if (await live(record)) return record;
    }
    throw new DeployError(reasonCode(ErrorReason.ERROR_REASON_INTERNAL), `could not create ${parts[0]} ${parts[1] ?? ""}: 100 earlier records of it were deleted`);
  }

  /** Scoped names must be valid before anything is written, or a deploy would stop halfway. */
  private validateNames(): void {
    const names = [this.config.resource, ...Object.entries(this.config.dependencies).filter(([, d]) => d.source === "managed").map(([key]) => key)];
    for (const base of names) {
      const name = scopedName(base, this.options.preview);
      if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || name.endsWith("-")) {
        throw new DeployError(
          reasonCode(ErrorReason.ERROR_REASON_CONFIG_INVALID),
          `${name} is not a valid name (1-63 lowercase letters, digits and dashes, starting with a letter, not ending with a dash)${this.options.preview ? "; use a shorter --preview" : ""}`,
        );
      }
    }
  }

  private async resolveServer(): Promise<string> {
    const ref = this.options.server;
    if (/^srv_[A-Za-z0-9]+$/.test(ref)) return ref;
    const { runtimeTargets } = await this.client.deployment.listRuntimeTargets({ kind: "", name: ref, pageSize: 1, pageToken: "" });
    if (runtimeTargets.length === 0) {
      throw new DeployError(reasonCode(ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND), `no server named ${ref} (see \`berth server list\`)`);
    }
    return runtimeTargets[0].id;
  }

  // --- resource -------------------------------------------------------------

  private async reconcileResource(): Promise<Resource | undefined> {
    const name = scopedName(this.config.resource, this.options.preview);
    const { resources } = await this.client.deployment.listResources({ ...this.scope(), name, pageSize: 1, pageToken: "" });
    const existing = resources[0];
    const run = this.config.run;
    if (existing) {
      const drift = run ? resourceDrift(existing, run) : [];
      if (drift.length > 0) {
        // There is no in-place resource update yet: say what differs instead of silently ignoring it.
        throw new DeployError(
          reasonCode(ErrorReason.ERROR_REASON_CONFIG_CONFLICT),
          `resource ${name} exists with a different ${drift.join(", ")} than berth.yaml's run block; Berth cannot change a resource in place yet: ` +
            `delete it (\`berth resource delete ${existing.id}\`) and deploy again, or make berth.yaml match`,
        );
      }
      this.keep("resource", name, existing.id, `resource ${name} (${existing.id})`);
      return existing;
    }
    if (!run) {
      throw new DeployError(
        reasonCode(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND),
        `resource ${name} does not exist in ${this.options.projectId}/${this.options.environmentId}: add a run block (run.command) to berth.yaml so deploy can create it, or create it with \`berth resource create\``,
      );
    }
    if (this.dry) {
      this.record("resource", "create", name, `create resource ${name} (${run.command})`);
      return undefined;
    }
    const resource = await this.createLive(
      ["resource", name],
      async (requestId) =>
        (
          await this.client.deployment.createResource({
            requestId,
            ...this.scope(),
            name,
            command: run.command,
            cwd: run.cwd ?? "",
            env: {},
            healthUrl: run.healthUrl ?? "",
            provenance: configProvenance(this.options),
          })
        ).resource!,
      // A replayed id returns the record even after it was deleted; Get does not.
      async (created) => (await orUndefined(this.client.deployment.getResource({ id: created.id }))) !== undefined,
    );
    this.record("resource", "create", name, `created resource ${name}`, resource.id);
    return resource;
  }

  // --- dependencies ---------------------------------------------------------

  private async reconcileDependencies(): Promise<Map<string, Dependency | undefined>> {
    const existing = await allPages(async (pageToken) => {
      const page = await this.client.dependency.listDependencies({ ...this.scope(), kind: "", status: 0, pageSize: 500, pageToken, showDeleted: false });
      return { items: page.dependencies, nextPageToken: page.nextPageToken };
    });
    const byName = new Map(existing.map((d) => [d.name, d]));
    const out = new Map<string, Dependency | undefined>();
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      if (declared.source === "existing") {
        const found = byName.get(declared.name!);
        if (!found) {
          throw new DeployError(
            reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND),
            `dependencies.${key}: no dependency named ${declared.name} in ${this.options.projectId}/${this.options.environmentId} (source: existing binds one that already exists)`,
          );
        }
        assertKind(key, found, declared.kind);
        this.keep("dependency", key, found.id, `dependency ${found.name} (${found.id}, existing)`);
        out.set(key, await this.reconcileDataClass(key, declared, found));
        continue;
      }
      const name = scopedName(key, this.options.preview);
      const found = byName.get(name);
      if (found) {
        assertKind(key, found, declared.kind);
        if (found.status === DependencyStatus.DEPENDENCY_STATUS_FAILED) {
          throw new DeployError(
            reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY),
            `dependency ${name} (${found.id}) failed to provision: ${found.statusReason || "see berth dependency show"}; delete it and deploy again`,
          );
        }
        this.keep("dependency", key, found.id, `${declared.kind} dependency ${name} (${found.id})`);
        out.set(key, await this.reconcileDataClass(key, declared, found));
        continue;
      }
      const classNote = declared.dataClass ? `, data class ${declared.dataClass}` : "";
      if (this.dry) {
        this.record("dependency", "provision", key, `provision managed ${declared.kind} dependency ${name}${classNote}`);
        out.set(key, undefined);
        continue;
      }
      const dependency = await this.createLive(
        ["dependency", name, declared.kind],
        async (requestId) =>
          (
            await this.client.dependency.provisionDependency({
              requestId,
              ...this.scope(),
              name,
              kind: declared.kind,
              realizationTarget: "",
              provenance: configProvenance(this.options),
              deletionProtection: false,
              dataClass: declared.dataClass ? dataClassFromName(declared.dataClass) : undefined,
            })
          ).dependency!,
        async (created) => created.status !== DependencyStatus.DEPENDENCY_STATUS_DELETED && created.status !== DependencyStatus.DEPENDENCY_STATUS_DELETING,
      );
      this.record("dependency", "provision", key, `provisioning managed ${declared.kind} dependency ${name}${classNote}`, dependency.id);
      // A request id replayed from an earlier run returns the record as it was made; the class may differ since.
      out.set(key, await this.reconcileDataClass(key, declared, dependency));
    }
    return out;
  }

  /** Sets the declared data class when the dependency has another; a file that names none leaves it alone. */
  private async reconcileDataClass(key: string, declared: DependencyDeclaration, found: Dependency): Promise<Dependency> {
    const current = dataClassName(found.dataClass);
    if (!declared.dataClass || declared.dataClass === current) return found;
    const summary = `set the data class of ${found.name} (${found.id}) from ${current} to ${declared.dataClass}`;
    if (this.dry) {
      this.record("dependency", "update", key, summary, found.id);
      return found;
    }
    const { dependency } = await this.client.dependency.updateDependency({ id: found.id, requestId: this.requestId("data-class", found.id, declared.dataClass), dataClass: dataClassFromName(declared.dataClass) });
    this.record("dependency", "update", key, summary, found.id);
    return dependency!;
  }

  private async waitReady(dependencies: Map<string, Dependency | undefined>): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 10 * 60_000);
    for (const [key, dependency] of dependencies) {
      if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_READY) continue;
      this.options.onProgress?.(`waiting for ${dependency.name} (${dependency.id}) to be ready`);
      let current = dependency;
      while (current.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
        if (current.status !== DependencyStatus.DEPENDENCY_STATUS_PROVISIONING) {
          throw new DeployError(
            reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY),
            `dependency ${current.name} (${current.id}) is not ready: ${current.statusReason || "status " + current.status}`,
          );
        }
        if (Date.now() > deadline) {
          throw new DeployError(reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY), `dependency ${current.name} (${current.id}) was not ready in time; run deploy again to keep waiting`);
        }
        await sleep(300);
        current = (await this.client.dependency.getDependency({ id: current.id })).dependency!;
      }
      dependencies.set(key, current);
      this.options.onProgress?.(`${current.name} is ready`);
    }
  }

  // --- bindings -------------------------------------------------------------

  private async reconcileBindings(resource: Resource | undefined, dependencies: Map<string, Dependency | undefined>): Promise<Binding[]> {
    const active = resource
      ? await allPages(async (pageToken) => {
          const page = await this.client.binding.listBindings({ ...this.scope(), resourceId: resource.id, dependencyId: "", includeUnbound: false, pageSize: 500, pageToken });
          return { items: page.bindings, nextPageToken: page.nextPageToken };
        })
      : [];
    const byEnv = new Map(active.map((b) => [b.targetEnvVar, b]));
    const wanted = new Set<string>();
    const resourceName = scopedName(this.config.resource, this.options.preview);
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      const env = declared.bind.env;
      wanted.add(env);
      const dependency = dependencies.get(key);
      const current = byEnv.get(env);
      if (current && dependency && current.dependencyId === dependency.id) {
        this.keep("binding", env, current.id, `${env} ← ${dependency.name} (${current.id})`);
        continue;
      }
      const depName = dependency?.name ?? scopedName(key, this.options.preview);
      if (current) {
        const how = current.provenance?.source === ProvenanceSource.PROVENANCE_SOURCE_CONFIG ? "" : ", a binding made by hand";
        this.record("binding", "unbind", env, `unbind ${env} from ${current.dependencyId}${how} (berth.yaml binds it to ${depName})`, current.id);
        if (!this.dry) await this.client.binding.unbindDependency({ id: current.id, requestId: this.requestId("unbind", current.id) });
        byEnv.delete(env);
      }
      if (this.dry || !resource || !dependency) {
        this.record("binding", "bind", env, `bind ${depName} to ${resourceName} as ${env}`);
        continue;
      }
      const binding = await this.createLive(
        ["bind", resource.id, dependency.id, env],
        async (requestId) =>
          (
            await this.client.binding.bindDependency({
              requestId,
              ...this.scope(),
              resourceId: resource.id,
              dependencyId: dependency.id,
              targetEnvVar: env,
              provenance: configProvenance(this.options),
            })
          ).binding!,
        async (created) => created.status === BindingStatus.BINDING_STATUS_ACTIVE,
      );
      this.record("binding", "bind", env, `bound ${depName} to ${resourceName} as ${env}`, binding.id);
      byEnv.set(env, binding);
    }
    // Bindings an earlier deploy made from this config that berth.yaml no longer declares. Manual ones stay.
    for (const [env, binding] of byEnv) {
      if (wanted.has(env)) continue;
      if (binding.provenance?.source !== ProvenanceSource.PROVENANCE_SOURCE_CONFIG) {
        this.keep("binding", env, binding.id, `${env} (${binding.id}, bound manually, not in berth.yaml: kept)`);
        continue;
      }
      this.record("binding", "unbind", env, `unbind ${env} (no longer in berth.yaml)`, binding.id);
      if (!this.dry) await this.client.binding.unbindDependency({ id: binding.id, requestId: this.requestId("unbind", binding.id) });
      byEnv.delete(env);
    }
    return [...byEnv.values()];
  }

  // --- backup policies ------------------------------------------------------

  private async reconcilePolicies(dependencies: Map<string, Dependency | undefined>): Promise<void> {
    for (const [key, declared] of Object.entries(this.config.dependencies)) {
      if (declared.source !== "managed") continue;
      const dependency = dependencies.get(key);
      const name = dependency?.name ?? scopedName(key, this.options.preview);
      const policy = dependency ? (await orUndefined(this.client.backup.getBackupPolicy({ id: "", dependencyId: dependency.id })))?.policy : undefined;
      const want = declared.backup;
      if (!want || !want.enabled) {
        // Disable only a policy this config could have made: the dependency is config-provisioned.
        if (policy?.enabled && dependency?.provenance?.source === ProvenanceSource.PROVENANCE_SOURCE_CONFIG) {
          this.record("backup-policy", "disable", key, `disable the backup policy of ${name} (berth.yaml turns backups off)`, policy.id);
          if (!this.dry) {
            await this.client.backup.configureBackupPolicy({
              requestId: this.requestId("policy", dependency.id, "disabled", String(policy.intervalHours), String(policy.retentionDays), String(policy.retryOnFailure)),
              dependencyId: dependency.id,
              intervalHours: policy.intervalHours,
              retentionDays: policy.retentionDays,
              retryOnFailure: policy.retryOnFailure,
              enabled: false,
            });
          }
        }
        continue;
      }
      if (policy && policy.enabled && policy.intervalHours === want.intervalHours && policy.retentionDays === want.retentionDays && policy.retryOnFailure === want.retryOnFailure) {
        this.keep("backup-policy", key, policy.id, `backup policy of ${name}: every ${want.intervalHours} h, kept ${want.retentionDays} d`);
        continue;
      }
      const action = policy ? "update" : "create";
      const summary = `${action} the backup policy of ${name}: every ${want.intervalHours} h, kept ${want.retentionDays} d${want.retryOnFailure ? ", retry on failure" : ""}`;
      if (this.dry || !dependency) {
        this.record("backup-policy", action, key, summary);
        continue;
      }
      const { policy: configured } = await this.client.backup.configureBackupPolicy({
        requestId: this.requestId("policy", dependency.id, "enabled", String(want.intervalHours), String(want.retentionDays), String(want.retryOnFailure)),
        dependencyId: dependency.id,
        intervalHours: want.intervalHours,
        retentionDays: want.retentionDays,
        retryOnFailure: want.retryOnFailure,
        enabled: true,
      });
      this.record("backup-policy", action, key, summary, configured!.id);
    }
  }

  // --- deployment -----------------------------------------------------------

  private async reconcileDeployment(resource: Resource | undefined, serverId: string, bindings: Binding[]): Promise<string | undefined> {
    const name = scopedName(this.config.resource, this.options.preview);
    const history = resource ? await resourceDeployments(this.client, this.scope(), resource.id) : [];
    const latest = history.at(-1);
    const wanted = snapshotKey(bindings.map((b) => ({ bindingId: b.id, secretRef: b.secretRef })));
    if (
      latest &&
      latest.runtimeTargetId === serverId &&
      LIVE_DEPLOYMENT.has(latest.status) &&
      snapshotKey(latest.snapshot) === wanted
    ) {
      this.keep("deployment", name, latest.id, `deployment ${latest.id} of ${name} is live with the same bindings`);
      return latest.id;
    }
    // One live deployment per resource: the one being replaced is stopped first, so
    // it frees what the new one needs (its port, its queue consumers…).
    for (const old of history.filter((d) => LIVE_DEPLOYMENT.has(d.status))) {
      this.record("deployment", "stop", name, `stop deployment ${old.id} of ${name} (replaced by the new one)`, old.id);
      if (!this.dry) await stopDeployment(this.client, old.id, this.requestId("stop", old.id));
    }
    if (this.dry || !resource) {
      this.record("deployment", "create", name, `deploy ${name} to ${this.options.server}`);
      return undefined;
    }
    const { deployment } = await this.client.deployment.createDeployment({
      // The previous deployment is part of the id: deploying the same state again after a stop is a new deployment.
      requestId: this.requestId("deployment", resource.id, serverId, wanted, latest?.id ?? ""),
      resourceId: resource.id,
      runtimeTargetId: serverId,
      provenance: configProvenance(this.options),
    });
    this.record("deployment", "create", name, `created deployment ${deployment!.id} of ${name} on ${this.options.server}`, deployment!.id);
    return deployment!.id;
  }
}

function assertKind(key: string, found: Dependency, kind: string): void {
  if (found.kind !== kind) {
    throw new DeployError(
      reasonCode(ErrorReason.ERROR_REASON_CONFIG_CONFLICT),
      `dependencies.${key}: ${found.name} (${found.id}) is a ${found.kind} dependency, but berth.yaml declares kind ${kind}`,
    );
  }
  if (found.status === DependencyStatus.DEPENDENCY_STATUS_DELETING) {
    throw new DeployError(reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY), `dependencies.${key}: ${found.name} (${found.id}) is being deleted; wait for it to go and deploy again`);
  }
}

function resourceDrift(resource: Resource, run: NonNullable<DeployConfig["run"]>): string[] {
  const drift: string[] = [];
  if (resource.command !== run.command) drift.push("command");
  if (run.cwd !== undefined && run.cwd !== resource.cwd) drift.push("cwd");
  if ((run.healthUrl ?? "") !== resource.healthUrl) drift.push("healthUrl");
  return drift;
}

function snapshotKey(entries: Array<{ bindingId: string; secretRef: string }>): string {
  return entries
    .map((e) => `${e.bindingId}=${e.secretRef}`)
    .sort()
    .join(",");
}
