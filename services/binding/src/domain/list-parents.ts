import { ErrorReason } from "@berth/client";
import { BerthError } from "@berth/runtime";
import type { BindingContext } from "./context.js";

/**
 * A list filtered by a resource or dependency that does not exist is an error,
 * not an empty list: the caller most likely mistyped the id. Each parent is
 * asked of the service that owns it.
 */
export async function assertParentsExist(ctx: BindingContext, filter: { resourceId: string; dependencyId: string }): Promise<void> {
  const [resourceExists, dependency] = await Promise.all([
    filter.resourceId ? ctx.resources.exists(filter.resourceId) : true,
    filter.dependencyId ? ctx.dependencies.get(filter.dependencyId) : undefined,
  ]);
  if (!resourceExists) {
    throw new BerthError(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND, `resource ${filter.resourceId} not found`, { metadata: { resource_id: filter.resourceId } });
  }
  if (filter.dependencyId && !dependency) {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${filter.dependencyId} not found`, { metadata: { dependency_id: filter.dependencyId } });
  }
}
