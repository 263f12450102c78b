import { ErrorReason } from "@berth/client";
import { BerthError } from "@berth/runtime";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";

/** The records a deployment list may be filtered by; empty means "not filtered". */
export interface ListParents {
  resourceId?: string;
  runtimeTargetId?: string;
  deploymentId?: string;
}

const notFound = (reason: ErrorReason, what: string, key: string, id: string) => new BerthError(reason, `${what} ${id} not found`, { metadata: { [key]: id } });

/**
 * A list filtered by a resource, runtime target or deployment that does not
 * exist is an error, not an empty list: the caller most likely mistyped the id.
 * Deleted resources and targets still count, so their history stays listable.
 */
export async function assertParentsExist(ctx: DeploymentContext, parents: ListParents): Promise<void> {
  const [resource, target, deployment] = await Promise.all([
    parents.resourceId ? store.getResource(ctx.db, parents.resourceId, true) : undefined,
    parents.runtimeTargetId ? store.getTarget(ctx.db, parents.runtimeTargetId, true) : undefined,
    parents.deploymentId ? store.getDeployment(ctx.db, parents.deploymentId) : undefined,
  ]);
  if (parents.resourceId && !resource) throw notFound(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND, "resource", "resource_id", parents.resourceId);
  if (parents.runtimeTargetId && !target) throw notFound(ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND, "runtime target", "runtime_target_id", parents.runtimeTargetId);
  if (parents.deploymentId && !deployment) throw notFound(ErrorReason.ERROR_REASON_DEPLOYMENT_NOT_FOUND, "deployment", "deployment_id", parents.deploymentId);
}
