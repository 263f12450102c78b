import { OutputCapture, type OutputSnapshot } from "../runtime/output-capture.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";
import { getDeployment } from "./deployment-queries.js";

/** How often a running workload's output is saved, so any replica can show it and it outlives a crash. */
const SAVE_EVERY_MS = 2000;
const DEFAULT_TAIL_LINES = 200;

/** Starts capturing a workload's output, masked with the secrets delivered to it. */
export function beginOutput(ctx: DeploymentContext, deploymentId: string, secrets: string[]): OutputCapture {
  const capture = new OutputCapture(secrets);
  const entry = { capture, saved: 0, saver: setInterval(() => void saveOutput(ctx, deploymentId), SAVE_EVERY_MS) };
  entry.saver.unref();
  ctx.outputs.set(deploymentId, entry);
  return capture;
}

async function saveOutput(ctx: DeploymentContext, deploymentId: string): Promise<void> {
  const entry = ctx.outputs.get(deploymentId);
  if (!entry || entry.saved === entry.capture.version) return;
  const version = entry.capture.version;
  try {
    await store.saveLogs(ctx.db, deploymentId, entry.capture.snapshot());
    entry.saved = version;
  } catch (error) {
    ctx.log.warn({ deploymentId, error: error instanceof Error ? error.name : "error" }, "could not save workload output");
  }
}

/** The workload ended: its output is saved one last time and no longer held here. */
export async function endOutput(ctx: DeploymentContext, deploymentId: string): Promise<void> {
  const entry = ctx.outputs.get(deploymentId);
  if (!entry) return;
  clearInterval(entry.saver);
  await saveOutput(ctx, deploymentId);
  ctx.outputs.delete(deploymentId);
}

export interface DeploymentLogs extends OutputSnapshot {
  deploymentId: string;
  live: boolean;
}

/**
 * The last `tailLines` lines a deployment's workload printed, masked: live from
 * this replica when it runs the workload, else the saved copy.
 */
export async function deploymentLogs(ctx: DeploymentContext, id: string, tailLines: number | undefined): Promise<DeploymentLogs> {
  const deployment = await getDeployment(ctx, id);
  const entry = ctx.outputs.get(deployment.id);
  const output = entry ? entry.capture.snapshot() : ((await store.getLogs(ctx.db, deployment.id)) ?? { lines: [], truncated: false, capturedAt: null });
  const tail = tailLines && tailLines > 0 ? tailLines : DEFAULT_TAIL_LINES;
  const lines = output.lines.slice(-tail);
  return { deploymentId: deployment.id, live: entry !== undefined, lines, truncated: output.truncated || lines.length < output.lines.length, capturedAt: output.capturedAt };
}
