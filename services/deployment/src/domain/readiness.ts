import { DependencyStatus, type Binding, type Dependency } from "@berth/client";
import { parseSecretReference } from "@berth/runtime";
import type { RuntimeDriver } from "../runtime/runtime-target.js";
import type { BindingReadiness, BlockedReason, Readiness, ResourceRecord, SnapshotEntry } from "../store/records.js";

/**
 * Runtime injection readiness: for each active binding, whether its secret can
 * reach this resource on this runtime target, and if not, one safe reason.
 * Pure: plan, show and create all call it with the same inputs.
 */
export function computeReadiness(
  resource: ResourceRecord,
  driver: RuntimeDriver,
  bindings: Binding[],
  dependencies: Map<string, Dependency>,
  resolvableRefs: ReadonlySet<string>,
  injectableKinds: ReadonlySet<string>,
): Readiness {
  if (bindings.length === 0) return { state: "not-applicable", bindings: [] };
  const byName = new Map<string, number>();
  for (const binding of bindings) byName.set(binding.targetEnvVar.toUpperCase(), (byName.get(binding.targetEnvVar.toUpperCase()) ?? 0) + 1);
  const resourceEnv = new Set(Object.keys(resource.env));

  const results = bindings.map((binding): BindingReadiness => {
    const entry: SnapshotEntry = { bindingId: binding.id, dependencyId: binding.dependencyId, targetEnvVar: binding.targetEnvVar, secretRef: binding.secretRef };
    const blocked = (blockedReason: BlockedReason, description: string): BindingReadiness => ({ ...entry, ready: false, blockedReason, description });
    const dependency = dependencies.get(binding.dependencyId);
    if (!driver.canDeliverDependencySecrets) return blocked("runtime_target_cannot_deliver_secrets", `runtime target kind ${driver.kind} cannot deliver dependency secrets`);
    if (binding.projectId !== resource.projectId || binding.environmentId !== resource.environmentId) {
      return blocked("unsupported_scope", `binding is in ${binding.projectId}/${binding.environmentId}, the resource in ${resource.projectId}/${resource.environmentId}`);
    }
    if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) {
      return blocked("unresolved_secret", `dependency ${binding.dependencyId} no longer exists, so ${binding.secretRef || "its secret"} cannot resolve`);
    }
    if (dependency.status !== DependencyStatus.DEPENDENCY_STATUS_READY) return blocked("dependency_not_ready", `dependency ${dependency.id} is not ready`);
    if (!binding.secretRef) {
      return blocked("missing_secret_reference", "the binding holds no secret reference (it was bound before the dependency was ready); rotate it with --latest");
    }
    const ref = parseSecretReference(binding.secretRef);
    if (!ref || ref.ownerId !== dependency.id || !resolvableRefs.has(binding.secretRef)) {
      return blocked("unresolved_secret", `${binding.secretRef} does not resolve to a stored secret of ${dependency.id}`);
    }
    if (!injectableKinds.has(dependency.kind)) return blocked("unsupported_dependency_kind", `runtime target kind ${driver.kind} cannot inject ${dependency.kind} connections`);
    if (driver.reservedEnvVars.has(binding.targetEnvVar)) return blocked("unsupported_injection_mode", `runtime target kind ${driver.kind} does not let bindings set ${binding.targetEnvVar}`);
    if ((byName.get(binding.targetEnvVar.toUpperCase()) ?? 0) > 1) return blocked("duplicate_target_name", `more than one binding sets ${binding.targetEnvVar.toUpperCase()} (names are compared case-insensitively)`);
    if (resourceEnv.has(binding.targetEnvVar)) return blocked("conflicts_with_resource_env", `the resource already sets ${binding.targetEnvVar} in its own env`);
    return { ...entry, ready: true, description: "ready" };
  });
  return { state: results.every((r) => r.ready) ? "ready" : "blocked", bindings: results };
}

/** The snapshot a deployment captures: each ready binding's reference, with its version. */
export function snapshotOf(readiness: Readiness): SnapshotEntry[] {
  return readiness.bindings.map(({ bindingId, dependencyId, targetEnvVar, secretRef }) => ({ bindingId, dependencyId, targetEnvVar, secretRef }));
}
