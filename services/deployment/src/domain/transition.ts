import type { Knex } from "@berth/runtime";
import { newId, recordEvent } from "@berth/runtime";
import type { DeploymentEventType, DeploymentRecord, DeploymentState } from "../store/records.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";

/** Writes one activity-log entry and its event, in the caller's transaction. */
export async function recordActivity(trx: Knex.Transaction, deployment: DeploymentRecord, type: DeploymentEventType, message: string): Promise<void> {
  await store.insertEvent(trx, { id: newId("dpe"), deploymentId: deployment.id, resourceId: deployment.resourceId, type, message });
  await recordEvent(trx, `deployment.deployment.${type}`, {
    deploymentId: deployment.id,
    resourceId: deployment.resourceId,
    runtimeTargetId: deployment.runtimeTargetId,
    status: deployment.status,
    message,
  });
}

/** Moves a live deployment to `status`; an ended one (stopped, failed) is left as it is (undefined). */
export async function transition(ctx: DeploymentContext, id: string, status: DeploymentState, reason: string, event?: DeploymentEventType): Promise<DeploymentRecord | undefined> {
  const updated = await ctx.db.transaction(async (trx) => {
    const current = await store.getDeployment(trx, id, true);
    if (!current || current.status === "stopped" || current.status === "failed") return undefined;
    const record = await store.setDeploymentStatus(trx, id, status, reason);
    if (event) await recordActivity(trx, record, event, reason);
    return record;
  });
  ctx.relay.kick();
  return updated;
}

