import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { DeploymentRecord } from "../store/records.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";
import { transition } from "./transition.js";
import { endOutput } from "./workload-output.js";

/**
 * Runs `start` after every earlier start of the same resource on the same
 * runtime target on this replica has finished, so a deployment created right
 * after another one waits for it and then replaces it.
 */
export function inStartOrder(ctx: DeploymentContext, key: string, start: () => Promise<void>): Promise<void> {
  const previous = ctx.startQueues.get(key) ?? Promise.resolve();
  const run = previous.then(start);
  const tail = run.catch(() => undefined);
  ctx.startQueues.set(key, tail);
  void tail.then(() => {
    if (ctx.startQueues.get(key) === tail) ctx.startQueues.delete(key);
  });
  return run;
}

/**
 * A deployment replaces the live deployments of its resource on its runtime
 * target that were created before it: each is stopped and ends `stopped`,
 * "superseded by dpl_…", before the new workload starts. When a newer
 * deployment exists already, this one is the superseded one and must not start.
 */
export async function replacePrevious(ctx: DeploymentContext, deployment: DeploymentRecord, self: string): Promise<"replaced" | "superseded"> {
  const live = await store.liveOfResourceOnTarget(ctx.db, deployment.resourceId, deployment.runtimeTargetId);
  const newer = live.filter((d) => BigInt(d.seq) > BigInt(deployment.seq));
  if (newer.length > 0) {
    await transition(ctx, deployment.id, "stopped", `superseded by ${newer.at(-1)!.id}`, "stopped");
    return "superseded";
  }
  for (const old of live.filter((d) => BigInt(d.seq) < BigInt(deployment.seq))) {
    ctx.log.info({ deploymentId: old.id, supersededBy: deployment.id }, "stopping the deployment a new one replaces");
    await stopReplaced(ctx, old, deployment.id, self);
  }
  return "replaced";
}

async function stopReplaced(ctx: DeploymentContext, old: DeploymentRecord & { runner: string | null; workloadPgid: number | null }, byId: string, self: string): Promise<void> {
  const reason = `superseded by ${byId}`;
  const workload = ctx.workloads.get(old.id);
  if (workload) {
    ctx.workloads.delete(old.id);
    await workload.stop();
  } else if (old.runner && old.runner !== self && old.workloadPgid) {
    if (old.runner.split(":")[0] !== hostname()) {
      // Its process lives on another host, out of reach: starting beside it is what must not happen.
      throw new Error(`deployment ${old.id} runs on another Berth host (${old.runner}); stop it there (berth deployments stop ${old.id}) and deploy again`);
    }
    // Another Berth process on this host runs it: record the end first, so that process's exit handler leaves it alone.
    await transition(ctx, old.id, "stopped", reason, "stopped");
    await stopProcessGroup(old.workloadPgid);
  }
  await transition(ctx, old.id, "stopped", reason, "stopped");
  await endOutput(ctx, old.id);
}

/** SIGTERM to a process group, SIGKILL after 5 s; resolves once it is gone. */
async function stopProcessGroup(pgid: number): Promise<void> {
  const signal = (sig: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(-pgid, sig);
      return true;
    } catch {
      return false; // gone
    }
  };
  if (!signal("SIGTERM")) return;
  for (let waited = 0; waited < 5000; waited += 100) {
    await sleep(100);
    if (!signal(0)) return;
  }
  signal("SIGKILL");
}
