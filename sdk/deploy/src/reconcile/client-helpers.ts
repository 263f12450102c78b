import { createHash } from "node:crypto";
import { DeploymentStatus, isBerthApiError, type BackupPolicy, type BerthClient, type Deployment } from "@berth/client";

/** Every item of a paged List call. */
export async function allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

/**
 * A request id derived from what the call is for, so a deploy killed after
 * sending a create and run again sends the same id and gets the same record
 * back instead of a second one.
 */
export function stableRequestId(...parts: string[]): string {
  return `cfg:${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 40)}`;
}

/** undefined when the API says the record does not exist (reason ends in _not_found). */
export async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isBerthApiError(error) && error.reason.endsWith("_not_found")) return undefined;
    throw error;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deployment states that hold a workload (and pin its dependencies). */
export const LIVE_DEPLOYMENT: ReadonlySet<DeploymentStatus> = new Set([
  DeploymentStatus.DEPLOYMENT_STATUS_PENDING,
  DeploymentStatus.DEPLOYMENT_STATUS_STARTING,
  DeploymentStatus.DEPLOYMENT_STATUS_RUNNING,
]);

/** Every deployment of a resource, oldest first. */
export function resourceDeployments(client: BerthClient, scope: { projectId: string; environmentId: string }, resourceId: string): Promise<Deployment[]> {
  return allPages(async (pageToken) => {
    const page = await client.deployment.listDeployments({ ...scope, resourceId, runtimeTargetId: "", status: 0, pageSize: 500, pageToken });
    return { items: page.deployments, nextPageToken: page.nextPageToken };
  });
}

/** Stops a deployment and waits (at most 60 s) until it no longer holds a workload. */
export async function stopDeployment(client: BerthClient, id: string, requestId: string): Promise<void> {
  await client.deployment.stopDeployment({ id, requestId });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { deployment } = await client.deployment.getDeployment({ id });
    if (!deployment || !LIVE_DEPLOYMENT.has(deployment.status)) return;
    if (Date.now() > deadline) throw new Error(`deployment ${id} did not stop within 60 s; run the command again`);
    await sleep(200);
  }
}

/** Turns a dependency's backup policy off, keeping its interval, retention and retry as they are. */
export async function disableBackupPolicy(client: BerthClient, dependencyId: string, policy: BackupPolicy, requestId: string): Promise<void> {
  await client.backup.configureBackupPolicy({
    requestId,
    dependencyId,
    // A policy of minutes (not whole hours) keeps its interval in minutes.
    intervalHours: policy.intervalMinutes % 60 === 0 ? policy.intervalHours : 0,
    intervalMinutes: policy.intervalMinutes % 60 === 0 ? undefined : policy.intervalMinutes,
    retentionDays: policy.retentionDays,
    retryOnFailure: policy.retryOnFailure,
    enabled: false,
  });
}
