import { applyDeployPlan } from "./deploy-apply.js";
import { planDeploy, type DeployConfig } from "./deploy-plan.js";
import type { DeployOptions, DeployResult } from "./types.js";

export { DeployError } from "./deploy-error.js";
export type { DeployConfig, DeployPlan, DeployStep } from "./deploy-plan.js";

/**
 * Makes a project environment match berth.yaml, in order: the resource, its
 * managed dependencies (provisioned when none of that name exists), bindings
 * to the requested env vars, backup policies (through the policy operations —
 * deploy never runs a backup or restore), then a deployment that references
 * only ids.
 *
 * The plan is computed once, from current state, and every precondition that
 * can be checked before the first change is checked there (see planDeploy); a
 * dry run returns that plan, a real run applies exactly it. So a dry run fails
 * where the real run would, and a refused real run changes nothing. Each step
 * changes only what differs, with request ids derived from the change, so a
 * second run changes nothing and a run killed midway finishes cleanly when
 * started again.
 */
export async function deploy(config: DeployConfig, options: DeployOptions): Promise<DeployResult> {
  const plan = await planDeploy(config, options);
  if (options.dryRun) {
    for (const step of plan.steps) options.onChange?.(step.change);
    return { dryRun: true, changes: plan.steps.map((s) => s.change), unchanged: plan.unchanged, resourceId: plan.resource?.id, deploymentId: plan.keptDeploymentId };
  }
  return applyDeployPlan(plan, options);
}
