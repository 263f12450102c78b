import { ErrorReason } from "@berth/client";
import { findRecord, watchByPolling } from "@berth/runtime";
import type { DeploymentRecord } from "../store/records.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";

export async function getDeployment(ctx: DeploymentContext, id: string): Promise<DeploymentRecord> {
  return findRecord({ prefix: "dpl", noun: "deployment", reason: ErrorReason.ERROR_REASON_DEPLOYMENT_NOT_FOUND, idKey: "deployment_id" }, id, (deploymentId) => store.getDeployment(ctx.db, deploymentId));
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
