import { BindingStatus, dataClassFromName, dataClassName, DependencyStatus, ErrorReason, isBerthApiError, reasonCode, RestoreStatus, type Binding, type Dependency, type Resource } from "@berth/client";
import { disableBackupPolicy, orUndefined, sleep, stableRequestId, stopDeployment } from "./client-helpers.js";
import { DeployError, REASON } from "./deploy-error.js";
import { snapshotKey, type DeployPlan, type DeployStep } from "./deploy-plan.js";
import { configProvenance, type Change, type DeployOptions, type DeployResult } from "./types.js";
import type { DataClassDeclaration } from "../config/types.js";

const REQUEST_ID_REUSED = reasonCode(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED);

/** A dependency a replayed create may hand back: not deleted nor on its way out. */
function isLiveDependency(dependency: Dependency): boolean {
  return dependency.status !== DependencyStatus.DEPENDENCY_STATUS_DELETED && dependency.status !== DependencyStatus.DEPENDENCY_STATUS_DELETING;
}

/**
 * Makes the changes of a plan, in its order. Request ids are derived from each
 * change, so a run killed midway and started again (which plans again) gets the
 * records it already made back instead of second ones.
 */
export async function applyDeployPlan(plan: DeployPlan, options: DeployOptions): Promise<DeployResult> {
  return new Applier(plan, options).run();
}

class Applier {
  private readonly changes: Change[] = [];
  private resource: Resource | undefined;
  private readonly dependencies: Map<string, Dependency | undefined>;
  private readonly bindings: Map<string, Binding>;
  private deploymentId: string | undefined;

  constructor(
    private readonly plan: DeployPlan,
    private readonly options: DeployOptions,
  ) {
    this.resource = plan.resource;
    this.dependencies = new Map(plan.dependencies);
    this.bindings = new Map(plan.bindings);
    this.deploymentId = plan.keptDeploymentId;
  }

  async run(): Promise<DeployResult> {
    let waited = false;
    for (const step of this.plan.steps) {
      // Bindings need ready dependencies: wait once, after everything is provisioned.
      if (!waited && step.do !== "create-resource" && step.do !== "provision" && step.do !== "set-data-class") {
        await this.waitReady();
        waited = true;
      }
      await this.apply(step);
    }
    if (!waited) await this.waitReady();
    return { dryRun: false, changes: this.changes, unchanged: this.plan.unchanged, resourceId: this.resource?.id, deploymentId: this.deploymentId };
  }

  private get client() {
    return this.options.client;
  }

  private scope() {
    return { projectId: this.options.projectId, environmentId: this.options.environmentId };
  }

  private done(step: DeployStep, summary: string, id?: string): void {
    const change: Change = { ...step.change, summary, id: id ?? step.change.id };
    this.changes.push(change);
    this.options.onChange?.(change);
  }

  private requestId(...parts: string[]): string {
    return stableRequestId(this.options.projectId, this.options.environmentId, this.options.preview ?? "", ...parts);
  }

  /**
   * Creates a record with a request id derived from `parts`. A request id names
   * one record forever, so when the record it names was since deleted or unbound
   * (a preview cleaned up and reopened, an env var renamed and renamed back),
   * the next id in the sequence (":2", ":3"…) is used; so it is when the id was
   * used with other parameters (a resource's command changed since), which the
   * server refuses with request_id_reused. A run killed after a create sends the
   * same id again and gets the live record back.
   */
  private async createLive<T>(parts: string[], create: (requestId: string) => Promise<T>, live: (record: T) => Promise<boolean>): Promise<T> {
    for (let attempt = 1; attempt <= 100; attempt++) {
      const record = await create(this.requestId(...parts, ...(attempt === 1 ? [] : [`#${attempt}`]))).catch((error: unknown) => {
        if (isBerthApiError(error) && error.reason === REQUEST_ID_REUSED) return undefined;
        throw error;
      });
      if (record !== undefined && (await live(record))) return record;
    }
    throw new DeployError(REASON.internal, `could not create ${parts[0]} ${parts[1] ?? ""}: 100 earlier records of it were deleted`);
  }

  /** A request id replayed from an earlier run returns the record as it was made; its data class may differ since. */
  private async ensureDataClass(key: string, dependency: Dependency, dataClass: DataClassDeclaration | undefined): Promise<void> {
    if (!dataClass || dataClassName(dependency.dataClass) === dataClass) return;
    const summary = `set the data class of ${dependency.name} (${dependency.id}) from ${dataClassName(dependency.dataClass)} to ${dataClass}`;
    await this.setDataClass({ do: "set-data-class", key, dependencyId: dependency.id, dataClass, change: { subject: "dependency", action: "update", name: key, summary, id: dependency.id } });
  }

  private async apply(step: DeployStep): Promise<void> {
    switch (step.do) {
      case "create-resource": {
        const { name, run } = step;
        this.resource = await this.createLive(
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
        return this.done(step, `created resource ${name}`, this.resource.id);
      }
      case "provision": {
        const dependency = await this.createLive(
          ["dependency", step.name, step.kind],
          async (requestId) =>
            (
              await this.client.dependency.provisionDependency({
                requestId,
                ...this.scope(),
                name: step.name,
                kind: step.kind,
                realizationTarget: "",
                provenance: configProvenance(this.options),
                deletionProtection: false,
                dataClass: step.dataClass ? dataClassFromName(step.dataClass) : undefined,
              })
            ).dependency!,
          async (created) => isLiveDependency(created),
        );
        this.dependencies.set(step.key, dependency);
        this.done(step, `provisioning managed ${step.kind} dependency ${step.name}${step.dataClass ? `, data class ${step.dataClass}` : ""}`, dependency.id);
        return this.ensureDataClass(step.key, dependency, step.dataClass);
      }
      case "seed": {
        // A restore of the source's verified backup into a new dependency (the source is not touched).
        const dependency = await this.createLive(
          ["seed", step.name, step.kind, step.backupId],
          async (requestId) => {
            const { restore } = await this.client.backup.restoreBackup({
              requestId,
              backupId: step.backupId,
              acknowledgeDataOverwrite: false,
              toNew: { name: step.name, ...this.scope(), realizationTarget: "", provenance: configProvenance(this.options) },
            });
            this.options.onProgress?.(`restoring ${step.backupId} of ${step.sourceName} into ${step.name} (${restore!.id})`);
            for await (const update of this.client.backup.watchRestore({ id: restore!.id, untilSettled: true }, { timeoutMs: this.options.readyTimeoutMs })) void update;
            const { restore: settled } = await this.client.backup.getRestore({ id: restore!.id });
            if (settled!.status !== RestoreStatus.RESTORE_STATUS_SUCCEEDED) {
              throw new DeployError(REASON.dependencyNotReady, `seeding ${step.name} from ${step.backupId} failed: ${settled!.statusReason}`);
            }
            return (await this.client.dependency.getDependency({ id: settled!.dependencyId })).dependency!;
          },
          async (created) => isLiveDependency(created),
        );
        this.dependencies.set(step.key, dependency);
        this.done(step, `provisioned managed ${step.kind} dependency ${step.name} from verified backup ${step.backupId} of ${step.sourceName}`, dependency.id);
        return this.ensureDataClass(step.key, dependency, step.dataClass);
      }
      case "set-data-class":
        return this.setDataClass(step);
      case "unbind": {
        await this.client.binding.unbindDependency({ id: step.bindingId, requestId: this.requestId("unbind", step.bindingId) });
        this.bindings.delete(step.change.name);
        return this.done(step, step.change.summary);
      }
      case "bind": {
        const resource = this.resource!;
        const dependency = this.dependencies.get(step.key)!;
        const binding = await this.createLive(
          ["bind", resource.id, dependency.id, step.env],
          async (requestId) =>
            (
              await this.client.binding.bindDependency({
                requestId,
                ...this.scope(),
                resourceId: resource.id,
                dependencyId: dependency.id,
                targetEnvVar: step.env,
                provenance: configProvenance(this.options),
              })
            ).binding!,
          async (created) => created.status === BindingStatus.BINDING_STATUS_ACTIVE,
        );
        this.bindings.set(step.env, binding);
        return this.done(step, `bound ${step.dependencyName} to ${resource.name} as ${step.env}`, binding.id);
      }
      case "disable-policy": {
        const { policy } = step;
        const requestId = this.requestId("policy", step.dependencyId, "disabled", String(policy.intervalHours), String(policy.retentionDays), String(policy.retryOnFailure));
        await disableBackupPolicy(this.client, step.dependencyId, policy, requestId);
        return this.done(step, step.change.summary);
      }
      case "configure-policy": {
        const dependency = this.dependencies.get(step.key)!;
        const { want } = step;
        const { policy } = await this.client.backup.configureBackupPolicy({
          requestId: this.requestId("policy", dependency.id, "enabled", String(want.intervalHours), String(want.retentionDays), String(want.retryOnFailure)),
          dependencyId: dependency.id,
          intervalHours: want.intervalHours,
          retentionDays: want.retentionDays,
          retryOnFailure: want.retryOnFailure,
          enabled: true,
        });
        return this.done(step, step.change.summary, policy!.id);
      }
      case "stop-deployment": {
        await stopDeployment(this.client, step.deploymentId, this.requestId("stop", step.deploymentId));
        return this.done(step, step.change.summary);
      }
      case "create-deployment": {
        const resource = this.resource!;
        const wanted = snapshotKey([...this.bindings.values()].map((b) => ({ bindingId: b.id, secretRef: b.secretRef })));
        const { deployment } = await this.client.deployment.createDeployment({
          // The previous deployment is part of the id: deploying the same state again after a stop is a new deployment.
          requestId: this.requestId("deployment", resource.id, this.plan.server.id, wanted, step.previousDeploymentId),
          resourceId: resource.id,
          runtimeTargetId: this.plan.server.id,
          provenance: configProvenance(this.options),
        });
        this.deploymentId = deployment!.id;
        return this.done(step, `created deployment ${deployment!.id} of ${resource.name} on ${this.options.server}`, deployment!.id);
      }
    }
  }

  private async setDataClass(step: Extract<DeployStep, { do: "set-data-class" }>): Promise<void> {
    const { dependency } = await this.client.dependency.updateDependency({
      id: step.dependencyId,
      requestId: this.requestId("data-class", step.dependencyId, step.dataClass),
      dataClass: dataClassFromName(step.dataClass),
    });
    this.dependencies.set(step.key, dependency!);
    this.done(step, step.change.summary);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 10 * 60_000);
    for (const [key, dependency] of this.dependencies) {
      if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_READY) continue;
      this.options.onProgress?.(`waiting for ${dependency.name} (${dependency.id}) to be ready`);
      let current = dependency;
      while (current.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
        if (current.status !== DependencyStatus.DEPENDENCY_STATUS_PROVISIONING) {
          throw new DeployError(REASON.dependencyNotReady, `dependency ${current.name} (${current.id}) is not ready: ${current.statusReason || "status " + current.status}`);
        }
        if (Date.now() > deadline) {
          throw new DeployError(REASON.dependencyNotReady, `dependency ${current.name} (${current.id}) was not ready in time; run deploy again to keep waiting`);
        }
        await sleep(300);
        current = (await this.client.dependency.getDependency({ id: current.id })).dependency!;
      }
      this.dependencies.set(key, current);
      this.options.onProgress?.(`${current.name} is ready`);
    }
  }
}
