import { ErrorReason } from "@berth/client";
import { BerthError, watchByPolling } from "@berth/runtime";
import type { DeploymentRecord } from "../store/records.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";

export async function getDeployment(ctx: DeploymentContext, id: string): Promise<DeploymentRecord> {
  const deployment = /^dpl_[A-Za-z0-9]+$/.test(id) ? await store.getDeployment(ctx.db, id) : undefined;
  if (!deployment) throw new BerthError(ErrorReason.ERROR_REASON_DEPLOYMENT_NOT_FOUND, `deployment ${id || '""'} not found`, { metadata: { deployment_id: id } });
  return deployment;
}

/** Yields the deployment now and on every change; ends once it settles when asked. */
export function watchDeployment(ctx: DeploymentContext, id: string, untilSettled: boolean, signal: AbortSignal): AsyncGenerator<DeploymentRecord> {
  return watchByPolling(() => getDeployment(ctx, id), {
    fingerprint: (d) => `${d.status}|${d.updatedAt.toISOString()}`,
    isSettled: (d) => d.status === "running" || d.status === "failed" || d.status === "stopped",
    untilSettled,
    signal,
  });
}
