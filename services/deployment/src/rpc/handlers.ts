import type { DeploymentInternalServiceService, DeploymentServiceService, RuntimeTarget } from "@berth/client";
import { readPage, storedProvenance, type Handlers } from "@berth/runtime";
import { createResource, createRuntimeTarget, deleteResource, deleteRuntimeTarget, driverFor, getResource, getRuntimeTarget } from "../domain/catalog.js";
import type { DeploymentContext } from "../domain/context.js";
import { createDeployment, planDeployment, stopDeployment } from "../domain/deploy.js";
import { getDeployment, watchDeployment } from "../domain/deployment-queries.js";
import { assertParentsExist } from "../domain/list-parents.js";
import { planWarnings } from "../domain/plan-warnings.js";
import { deploymentLogs } from "../domain/workload-output.js";
import { snapshotOf } from "../domain/readiness.js";
import type { RuntimeTargetRecord } from "../store/records.js";
import { store } from "../store/store.js";
import { presentDeployment, presentEvent, presentReadiness, presentResource, presentTarget, stateFromStatus } from "./present.js";

/** Targets as the API shows them; the loaded providers' kinds are asked only when one of them delivers secrets. */
async function presentTargets(ctx: DeploymentContext, targets: RuntimeTargetRecord[]): Promise<RuntimeTarget[]> {
  const delivers = targets.some((t) => driverFor(t.kind).canDeliverDependencySecrets);
  const injectable = delivers ? await ctx.peers.injectableKinds() : new Set<string>();
  return targets.map((t) => presentTarget(t, injectable));
}

export function publicHandlers(ctx: DeploymentContext): Handlers<typeof DeploymentServiceService> {
  return {
    async createResource(request) {
      return { resource: presentResource(await createResource(ctx, { ...request, provenance: storedProvenance(request.provenance) })) };
    },
    async getResource(request) {
      return { resource: presentResource(await getResource(ctx, request.id)) };
    },
    async listResources(request) {
      const page = await readPage(request, (window) => store.listResources(ctx.db, { projectId: request.projectId, environmentId: request.environmentId, name: request.name, ...window }));
      return { resources: page.items.map(presentResource), nextPageToken: page.nextPageToken };
    },
    async deleteResource(request) {
      return { resource: presentResource(await deleteResource(ctx, request.id)) };
    },
    async createRuntimeTarget(request) {
      return { runtimeTarget: (await presentTargets(ctx, [await createRuntimeTarget(ctx, { requestId: request.requestId, name: request.name, kind: request.kind })]))[0] };
    },
    async getRuntimeTarget(request) {
      return { runtimeTarget: (await presentTargets(ctx, [await getRuntimeTarget(ctx, request.id)]))[0] };
    },
    async listRuntimeTargets(request) {
      const page = await readPage(request, (window) => store.listTargets(ctx.db, { kind: request.kind, name: request.name, ...window }));
      return { runtimeTargets: await presentTargets(ctx, page.items), nextPageToken: page.nextPageToken };
    },
    async deleteRuntimeTarget(request) {
      return { runtimeTarget: (await presentTargets(ctx, [await deleteRuntimeTarget(ctx, request.id)]))[0] };
    },
    async planDeployment(request) {
      const plan = await planDeployment(ctx, request.resourceId, request.runtimeTargetId);
      return { injection: presentReadiness(plan.readiness), snapshot: snapshotOf(plan.readiness), warnings: await planWarnings(ctx, plan) };
    },
    async createDeployment(request) {
      return { deployment: presentDeployment(await createDeployment(ctx, { ...request, provenance: storedProvenance(request.provenance) })) };
    },
    async getDeployment(request) {
      return { deployment: presentDeployment(await getDeployment(ctx, request.id)) };
    },
    async listDeployments(request) {
      const page = await readPage(request, async (window) => {
        const { projectId, environmentId, resourceId, runtimeTargetId } = request;
        await assertParentsExist(ctx, { resourceId, runtimeTargetId });
        return store.listDeployments(ctx.db, { projectId, environmentId, resourceId, runtimeTargetId, status: stateFromStatus(request.status), ...window });
      });
      return { deployments: page.items.map(presentDeployment), nextPageToken: page.nextPageToken };
    },
    async listDeploymentEvents(request) {
      const page = await readPage(request, async (window) => {
        const { resourceId, deploymentId } = request;
        await assertParentsExist(ctx, { resourceId, deploymentId });
        return store.listEvents(ctx.db, { resourceId, deploymentId, ...window });
      });
      return { events: page.items.map(presentEvent), nextPageToken: page.nextPageToken };
    },
    async stopDeployment(request) {
      return { deployment: presentDeployment(await stopDeployment(ctx, request.id)) };
    },
    async *watchDeployment(request, context) {
      for await (const deployment of watchDeployment(ctx, request.id, request.untilSettled, context.signal)) yield { deployment: presentDeployment(deployment) };
    },
    async getDeploymentLogs(request) {
      const logs = await deploymentLogs(ctx, request.id, request.tailLines);
      return { deploymentId: logs.deploymentId, lines: logs.lines, truncated: logs.truncated, live: logs.live, captureTime: logs.capturedAt?.toISOString() };
    },
  };
}

export function internalHandlers(ctx: DeploymentContext): Handlers<typeof DeploymentInternalServiceService> {
  return {
    async listDependencyReferences(request) {
      const live = await store.liveDeploymentsReferencing(ctx.db, request.dependencyId);
      return { references: live.map((d) => ({ kind: "deployment_snapshot", id: d.id, description: `${d.status} deployment ${d.id} of ${d.resourceId} captured it` })) };
    },
  };
}
