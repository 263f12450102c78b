import {
  DeploymentEventType,
  DeploymentStatus,
  InjectionBlockedReason,
  RuntimeInjectionState,
  type Deployment,
  type DeploymentEvent,
  type Resource,
  type RuntimeInjectionReadiness,
  type RuntimeTarget,
} from "@berth/client";
import { presentProvenance } from "@berth/runtime";
import { driverFor } from "../domain/catalog.js";
import type { BlockedReason, DeploymentEventRecord, DeploymentRecord, DeploymentState, Readiness, ResourceRecord, RuntimeTargetRecord } from "../store/records.js";

const STATUS: Record<DeploymentState, DeploymentStatus> = {
  pending: DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
  starting: DeploymentStatus.DEPLOYMENT_STATUS_STARTING,
  running: DeploymentStatus.DEPLOYMENT_STATUS_RUNNING,
  failed: DeploymentStatus.DEPLOYMENT_STATUS_FAILED,
  stopped: DeploymentStatus.DEPLOYMENT_STATUS_STOPPED,
};

export function stateFromStatus(status: DeploymentStatus): DeploymentState | undefined {
  return (Object.entries(STATUS).find(([, value]) => value === status)?.[0] as DeploymentState | undefined) ?? undefined;
}

const REASON: Record<BlockedReason, InjectionBlockedReason> = {
  dependency_not_ready: InjectionBlockedReason.INJECTION_BLOCKED_REASON_DEPENDENCY_NOT_READY,
  missing_secret_reference: InjectionBlockedReason.INJECTION_BLOCKED_REASON_MISSING_SECRET_REFERENCE,
  unresolved_secret: InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNRESOLVED_SECRET,
  unsupported_dependency_kind: InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_DEPENDENCY_KIND,
  unsupported_scope: InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_SCOPE,
  unsupported_injection_mode: InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_INJECTION_MODE,
  duplicate_target_name: InjectionBlockedReason.INJECTION_BLOCKED_REASON_DUPLICATE_TARGET_NAME,
  conflicts_with_resource_env: InjectionBlockedReason.INJECTION_BLOCKED_REASON_CONFLICTS_WITH_RESOURCE_ENV,
  runtime_target_cannot_deliver_secrets: InjectionBlockedReason.INJECTION_BLOCKED_REASON_RUNTIME_TARGET_CANNOT_DELIVER_SECRETS,
};

const EVENT: Record<DeploymentEventRecord["type"], DeploymentEventType> = {
  created: DeploymentEventType.DEPLOYMENT_EVENT_TYPE_CREATED,
  started: DeploymentEventType.DEPLOYMENT_EVENT_TYPE_STARTED,
  failed: DeploymentEventType.DEPLOYMENT_EVENT_TYPE_FAILED,
  stopped: DeploymentEventType.DEPLOYMENT_EVENT_TYPE_STOPPED,
};

export function presentReadiness(readiness: Readiness): RuntimeInjectionReadiness {
  const state =
    readiness.state === "ready"
      ? RuntimeInjectionState.RUNTIME_INJECTION_STATE_READY
      : readiness.state === "blocked"
        ? RuntimeInjectionState.RUNTIME_INJECTION_STATE_BLOCKED
        : RuntimeInjectionState.RUNTIME_INJECTION_STATE_NOT_APPLICABLE;
  return {
    state,
    bindings: readiness.bindings.map((b) => ({
      bindingId: b.bindingId,
      dependencyId: b.dependencyId,
      targetEnvVar: b.targetEnvVar,
      secretRef: b.secretRef,
      ready: b.ready,
      blockedReason: b.blockedReason ? REASON[b.blockedReason] : InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSPECIFIED,
      description: b.description,
    })),
  };
}

export function presentResource(r: ResourceRecord): Resource {
  return {
    id: r.id,
    projectId: r.projectId,
    environmentId: r.environmentId,
    name: r.name,
    command: r.command,
    cwd: r.cwd,
    env: r.env,
    healthUrl: r.healthUrl,
    provenance: presentProvenance(r.provenance),
    createTime: r.createdAt.toISOString(),
    updateTime: r.updatedAt.toISOString(),
  };
}

/** `injectableKinds`: the loaded providers' injectable kinds; only read for a target that delivers secrets. */
export function presentTarget(t: RuntimeTargetRecord, injectableKinds: ReadonlySet<string>): RuntimeTarget {
  const driver = driverFor(t.kind);
  return {
    id: t.id,
    name: t.name,
    kind: t.kind,
    canDeliverDependencySecrets: driver.canDeliverDependencySecrets,
    createTime: t.createdAt.toISOString(),
    updateTime: t.updatedAt.toISOString(),
    injectableDependencyKinds: driver.canDeliverDependencySecrets ? [...injectableKinds].sort() : [],
    reservedEnvVars: [...driver.reservedEnvVars].sort(),
  };
}

export function presentDeployment(d: DeploymentRecord): Deployment {
  return {
    id: d.id,
    projectId: d.projectId,
    environmentId: d.environmentId,
    resourceId: d.resourceId,
    runtimeTargetId: d.runtimeTargetId,
    status: STATUS[d.status],
    statusReason: d.statusReason,
    snapshot: d.snapshot,
    injection: presentReadiness(d.injection),
    provenance: presentProvenance(d.provenance),
    createTime: d.createdAt.toISOString(),
    updateTime: d.updatedAt.toISOString(),
    startTime: d.startedAt?.toISOString(),
    endTime: d.endedAt?.toISOString(),
  };
}

export function presentEvent(e: DeploymentEventRecord): DeploymentEvent {
  return { id: e.id, deploymentId: e.deploymentId, resourceId: e.resourceId, type: EVENT[e.type], message: e.message, createTime: e.createdAt.toISOString() };
}
