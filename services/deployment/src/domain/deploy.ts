import { hostname } from "node:os";
import { ErrorReason, type Dependency } from "@berth/client";
import { redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";
import { BerthError, createOnce, newId, requestFingerprint } from "@berth/runtime";
import { LIVE_DEPLOYMENT_STATES, type DeploymentRecord, type Readiness, type ResourceRecord, type RuntimeTargetRecord } from "../store/records.js";
import { store } from "../store/store.js";
import { driverFor, getResource, getRuntimeTarget } from "./catalog.js";
import type { DeploymentContext } from "./context.js";
import { getDeployment } from "./deployment-queries.js";
import { computeReadiness, snapshotOf } from "./readiness.js";
import { recordActivity, transition } from "./transition.js";
import { inStartOrder, replacePrevious } from "./supersede.js";
import { beginOutput, endOutput } from "./workload-output.js";

export interface Plan {
  resource: ResourceRecord;
  target: RuntimeTargetRecord;
  readiness: Readiness;
  /** The bound dependencies by id, as the plan saw them. */
  dependencies: Map<string, Dependency>;
}

/**
 * Gathers what readiness needs in a fixed number of calls (bindings, then a batch
 * of dependencies and a batch secret check, however many bindings there are)
 * and computes it. Creates nothing.
 */
export async function planDeployment(ctx: DeploymentContext, resourceId: string, runtimeTargetId: string): Promise<Plan> {
  // Bindings are fetched alongside the resource; an unknown resource id has none.
  const [resource, target, bindings] = await Promise.all([getResource(ctx, resourceId), getRuntimeTarget(ctx, runtimeTargetId), ctx.peers.activeBindings(resourceId)]);
  const driver = driverFor(target.kind);
  // Kinds are asked only when they can matter: some binding and a target that delivers.
  const asksKinds = bindings.length > 0 && driver.canDeliverDependencySecrets;
  const [dependencies, resolvable, injectable] = await Promise.all([
    ctx.peers.dependencies([...new Set(bindings.map((b) => b.dependencyId))]),
    ctx.peers.resolvableRefs(bindings.map((b) => b.secretRef).filter(Boolean)),
    asksKinds ? ctx.peers.injectableKinds() : new Set<string>(),
  ]);
  return { resource, target, readiness: computeReadiness(resource, driver, bindings, dependencies, resolvable, injectable), dependencies };
}

/**
 * Creates a deployment only when injection is ready (or not applicable): a
 * blocked plan is refused with dependency_runtime_injection_blocked and leaves
 * no record at all. The snapshot freezes each binding's secret reference; the
 * workload is then started on the runtime target, which resolves the references
 * at that moment.
 */
export async function createDeployment(
  ctx: DeploymentContext,
  input: { requestId: string; resourceId: string; runtimeTargetId: string; provenance: Record<string, string | number> },
): Promise<DeploymentRecord> {
  // Set only when this call created the record (not a replay, not the loser of a race).
  let started: { deployment: DeploymentRecord; plan: Plan } | undefined;
  const fingerprint = requestFingerprint(["deployment", input.resourceId, input.runtimeTargetId]);
  const deployment = await createOnce({
    requestId: input.requestId,
    // Provenance is who asked, not what: a retry from another actor is still a replay.
    fingerprint,
    noun: "deployment",
    findByRequestId: (requestId) => store.deploymentByRequestId(ctx.db, requestId),
    insert: async () => {
      const plan = await planDeployment(ctx, input.resourceId, input.runtimeTargetId);
      if (plan.readiness.state === "blocked") {
        const blocked = plan.readiness.bindings.filter((b) => !b.ready);
        throw new BerthError(
          ErrorReason.ERROR_REASON_DEPENDENCY_RUNTIME_INJECTION_BLOCKED,
          `dependency secrets cannot reach this runtime: ${blocked.map((b) => `${b.targetEnvVar} (${b.bindingId}): ${b.blockedReason}`).join("; ")}`,
          { metadata: Object.fromEntries(blocked.map((b) => [b.bindingId, b.blockedReason ?? "blocked"])) },
        );
      }
      const created = await ctx.db.transaction(async (trx) => {
        const record = await store.insertDeployment(trx, {
          id: newId("dpl"),
          projectId: plan.resource.projectId,
          environmentId: plan.resource.environmentId,
          resourceId: plan.resource.id,
          runtimeTargetId: plan.target.id,
          status: "pending",
          snapshot: snapshotOf(plan.readiness),
          injection: plan.readiness,
          provenance: input.provenance,
          requestId: input.requestId || null,
          requestFingerprint: fingerprint,
        });
        await recordActivity(trx, record, "created", `deployment of ${plan.resource.name} onto ${plan.target.name} created`);
        return record;
      });
      started = { deployment: created, plan };
      return created;
    },
  });
  // A replay returns the record as it is; only the call that created it starts the workload.
  if (started?.deployment.id !== deployment.id) return deployment;
  const { plan } = started;
  ctx.relay.kick();
  void startWorkload(ctx, deployment, plan).catch((error: unknown) => ctx.log.error({ deploymentId: deployment.id, error: error instanceof Error ? error.name : "error" }, "start bookkeeping failed"));
  return deployment;
}

/**
 * Resolves the snapshot's references (the last step a secret takes), stops the
 * live deployment of the same resource on the same target that this one
 * replaces, and starts the workload. Starts of one resource on one target run
 * one at a time, in order, so two quick deploys never start side by side.
 */
async function startWorkload(ctx: DeploymentContext, deployment: DeploymentRecord, plan: Plan): Promise<void> {
  await inStartOrder(ctx, `${deployment.resourceId}|${deployment.runtimeTargetId}`, async () => {
    const current = await store.getDeployment(ctx.db, deployment.id);
    if (!current || !LIVE_DEPLOYMENT_STATES.includes(current.status)) return; // stopped before its turn came
    await store.setRunner(ctx.db, deployment.id, RUNNER, null);
    await transition(ctx, deployment.id, "starting", "starting");
    let secrets: string[] = [];
    try {
      const values = deployment.snapshot.length > 0 ? await ctx.peers.resolveSecrets(deployment.snapshot.map((s) => s.secretRef), `deployment ${deployment.id}`) : new Map<string, string>();
      // Mask the URLs and their parts: an app may print just the password.
      secrets = [...values.values()].flatMap((url) => [url, ...secretPartsOfUrl(url)]);
      const env: Record<string, string> = { ...plan.resource.env };
      for (const entry of deployment.snapshot) env[entry.targetEnvVar] = values.get(entry.secretRef)!;
      if ((await replacePrevious(ctx, current, RUNNER)) === "superseded") return;
      const output = beginOutput(ctx, deployment.id, secrets);
      const workload = await driverFor(plan.target.kind).start(
        { deploymentId: deployment.id, command: plan.resource.command, cwd: plan.resource.cwd, env, healthUrl: plan.resource.healthUrl, secrets, output, runAs: ctx.workloadUser },
        {
          onExit: ({ failed, reason }) => {
            ctx.workloads.delete(deployment.id);
            transition(ctx, deployment.id, failed ? "failed" : "stopped", reason, failed ? "failed" : "stopped")
              .then(() => endOutput(ctx, deployment.id))
              .catch((error: unknown) => ctx.log.error({ deploymentId: deployment.id, error: error instanceof Error ? error.name : "error" }, "could not record the workload's exit"));
          },
        },
      );
      ctx.workloads.set(deployment.id, workload);
      await store.setRunner(ctx.db, deployment.id, RUNNER, workload.processGroup ?? null);
      const running = await transition(ctx, deployment.id, "running", plan.resource.healthUrl ? "healthy" : "running", "started");
      if (!running) {
        // Stopped (or replaced) while it was starting: it must not keep running unrecorded.
        ctx.workloads.delete(deployment.id);
        await workload.stop();
        await endOutput(ctx, deployment.id);
        return;
      }
      ctx.log.info({ deploymentId: deployment.id }, "deployment running");
    } catch (error) {
      const reason = redactSecrets(error instanceof Error ? error.message : "the workload did not start", secrets);
      await transition(ctx, deployment.id, "failed", reason, "failed");
      await endOutput(ctx, deployment.id);
      ctx.log.warn({ deploymentId: deployment.id, reason }, "deployment failed");
    }
  });
}

/** Stops the workload (if this replica runs it) and marks the deployment stopped. */
export async function stopDeployment(ctx: DeploymentContext, id: string): Promise<DeploymentRecord> {
  const deployment = await getDeployment(ctx, id);
  if (deployment.status === "stopped" || deployment.status === "failed") return deployment;
  const workload = ctx.workloads.get(id);
  ctx.workloads.delete(id);
  await workload?.stop();
  const stopped = (await transition(ctx, id, "stopped", "stopped on request", "stopped")) ?? (await getDeployment(ctx, id));
  await endOutput(ctx, id);
  return stopped;
}

/** This Berth process, as recorded on the deployments whose workloads it runs. */
export const RUNNER = `${hostname()}:${process.pid}`;

/**
 * At start: deployments left live by a Berth process on this host that no longer
 * exists (killed, crashed) are stopped — their orphaned workload too — so they
 * neither run unsupervised nor block deletes forever.
 */
export async function recoverOrphanedDeployments(ctx: DeploymentContext): Promise<void> {
  for (const orphan of await store.liveOnHostExcept(ctx.db, hostname(), RUNNER)) {
    const pid = Number(orphan.runner.split(":").pop());
    if (isAlive(pid)) continue; // another Berth process on this host runs it
    if (orphan.workloadPgid) {
      try {
        process.kill(-orphan.workloadPgid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await transition(ctx, orphan.id, "stopped", "the Berth process that ran it exited; its workload was stopped", "stopped");
    ctx.log.info({ deploymentId: orphan.id }, "stopped a deployment orphaned by a dead Berth process");
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops every workload this replica runs (process shutdown). */
export async function stopAllWorkloads(ctx: DeploymentContext): Promise<void> {
  await Promise.all([...ctx.workloads.keys()].map((id) => stopDeployment(ctx, id).catch(() => undefined)));
}
