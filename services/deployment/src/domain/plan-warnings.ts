import { ConnectionVerification, DataClass, DataReadinessVerdict, type Dependency } from "@berth/client";
import { parseSecretReference } from "@berth/runtime";
import type { DeploymentContext } from "./context.js";
import type { Plan } from "./deploy.js";

export type PlanWarningReason =
  | "dependency_data_not_ready"
  | "dependency_data_readiness_unknown"
  /** No probe has logged in with the bound dependency's connection (imported without --probe). */
  | "dependency_connection_unverified"
  /** The bound dependency's last probe failed; the message quotes its reason. */
  | "dependency_connection_check_failed"
  /** A ready binding delivers an older version of its dependency's connection secret than the current one. */
  | "binding_secret_outdated";

export interface PlanWarning {
  reason: PlanWarningReason;
  dependencyId: string;
  bindingId: string;
  readinessReasons: string[];
  message: string;
}

/**
 * Warnings, never blocks: bound dependencies whose connection nothing proved,
 * bindings behind their dependency's current secret, and each bound
 * production-critical dependency whose data is not ready (the backup service's
 * readiness gate). One readiness call per such dependency, made only by plan
 * (create does not wait for it). Without a backup service there is nothing to
 * ask, so no data warnings.
 */
export async function planWarnings(ctx: DeploymentContext, plan: Plan): Promise<PlanWarning[]> {
  return [...connectionWarnings(plan), ...outdatedSecretWarnings(plan), ...(await dataWarnings(ctx, plan))];
}

/**
 * A ready binding that delivers an older version of its dependency's connection
 * secret than the current one (the dependency's credential was rotated or
 * updated, the binding was not moved): the deployment would still start, with
 * a credential that may no longer work.
 */
export function outdatedSecretWarnings(plan: Plan): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const binding of plan.readiness.bindings) {
    if (!binding.ready) continue;
    const dependency = plan.dependencies.get(binding.dependencyId);
    const delivered = parseSecretReference(binding.secretRef);
    const current = dependency ? parseSecretReference(dependency.connectionSecretRef) : undefined;
    if (!dependency || !delivered || !current || current.ownerId !== delivered.ownerId || delivered.version >= current.version) continue;
    warnings.push({
      reason: "binding_secret_outdated",
      dependencyId: dependency.id,
      bindingId: binding.bindingId,
      readinessReasons: [],
      message:
        `binding ${binding.bindingId} (${binding.targetEnvVar}) delivers ${binding.secretRef}, but dependency ${dependency.name} (${dependency.id}) ` +
        `is at ${dependency.connectionSecretRef}; move it with \`berth resource dependency rotate-secret ${binding.bindingId} --latest\``,
    });
  }
  return warnings;
}

/**
 * One warning per bound dependency whose connection nothing has proved, or
 * whose last probe failed: its secret will be delivered, but the app may find
 * it does not log in. Read from the dependency records plan already holds.
 */
function connectionWarnings(plan: Plan): PlanWarning[] {
  const seen = new Map<string, PlanWarning>();
  for (const binding of plan.readiness.bindings) {
    const dependency = plan.dependencies.get(binding.dependencyId);
    if (!dependency || seen.has(dependency.id) || !dependency.connectionSecretRef) continue;
    const warning = connectionWarning(dependency, binding.bindingId);
    if (warning) seen.set(dependency.id, warning);
  }
  return [...seen.values()];
}

function connectionWarning(dependency: Dependency, bindingId: string): PlanWarning | undefined {
  const base = { dependencyId: dependency.id, bindingId, readinessReasons: [] };
  const label = `dependency ${dependency.name} (${dependency.id})`;
  switch (dependency.connectionVerification) {
    case ConnectionVerification.CONNECTION_VERIFICATION_VERIFIED:
      return undefined;
    case ConnectionVerification.CONNECTION_VERIFICATION_FAILED:
      return {
        ...base,
        reason: "dependency_connection_check_failed",
        message: `${label}: its last probe failed (${dependency.connectionVerificationReason}); fix it, then \`berth dependency probe ${dependency.id}\``,
      };
    default:
      return {
        ...base,
        reason: "dependency_connection_unverified",
        message: `${label} is unverified: no probe has logged in with its connection; run \`berth dependency probe ${dependency.id}\``,
      };
  }
}

/** The data-readiness half (production-critical dependencies), from the backup service. */
async function dataWarnings(ctx: DeploymentContext, plan: Plan): Promise<PlanWarning[]> {
  const dataReadiness = ctx.peers.dataReadiness;
  if (!dataReadiness) return [];
  const critical = new Map<string, string>();
  for (const binding of plan.readiness.bindings) {
    const dependency = plan.dependencies.get(binding.dependencyId);
    if (dependency?.dataClass === DataClass.DATA_CLASS_PRODUCTION_CRITICAL && !critical.has(dependency.id)) critical.set(dependency.id, binding.bindingId);
  }
  const warnings = await Promise.all(
    [...critical].map(async ([dependencyId, bindingId]): Promise<PlanWarning | undefined> => {
      const name = plan.dependencies.get(dependencyId)?.name ?? dependencyId;
      try {
        const readiness = await dataReadiness(dependencyId);
        if (readiness.verdict === DataReadinessVerdict.DATA_READINESS_VERDICT_READY) return undefined;
        const reasons = readiness.issues.map((i) => i.reason);
        return {
          reason: "dependency_data_not_ready",
          dependencyId,
          bindingId,
          readinessReasons: reasons,
          message: `production-critical dependency ${name} (${dependencyId}) is not data-ready: ${reasons.join(", ")}; see \`berth dependency readiness ${dependencyId}\``,
        };
      } catch (error) {
        ctx.log.warn({ dependencyId, error: error instanceof Error ? error.name : "error" }, "data readiness unavailable for plan");
        return {
          reason: "dependency_data_readiness_unknown",
          dependencyId,
          bindingId,
          readinessReasons: [],
          message: `could not get the data readiness of production-critical dependency ${name} (${dependencyId}) from the backup service`,
        };
      }
    }),
  );
  return warnings.filter((w): w is PlanWarning => w !== undefined);
}
