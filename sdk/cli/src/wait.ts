import ora from "ora";
import { DependencyStatus, DeploymentStatus, type BerthClient, type Dependency, type Deployment } from "@berth/client";
import { EXIT } from "./exit-codes.js";
import { statusName } from "./present.js";
import { deploymentStatusName } from "./present-deployment.js";

/**
 * Follows a dependency until it settles, drawing a live progress line on a TTY
 * (stderr, so stdout stays clean for --output json). Returns the exit code:
 * 0 when ready/deleted, 1 when failed.
 */
export async function waitForDependency(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ dependency: Dependency; exitCode: number }> {
  const spinner = ora({ text: `${label}: waiting`, stream: process.stderr }).start();
  let last: Dependency | undefined;
  const stream = client.dependency.watchDependency({ id, untilSettled: true }, { timeoutMs });
  try {
    for await (const update of stream) {
      if (!update.dependency) continue;
      last = update.dependency;
      spinner.text = `${label}: ${statusName(last)}${update.progressMessage ? ` — ${update.progressMessage}` : ""}`;
    }
  } catch (error) {
    spinner.fail(`${label}: stopped waiting`);
    throw error;
  }
  if (!last) throw new Error("the server ended the watch without sending the dependency");
  if (last.status === DependencyStatus.DEPENDENCY_STATUS_FAILED) {
    spinner.fail(`${label}: failed — ${last.statusReason}`);
    return { dependency: last, exitCode: EXIT.failed };
  }
  spinner.succeed(`${label}: ${statusName(last)}`);
  return { dependency: last, exitCode: EXIT.ok };
}

/**
 * Follows a deployment until it is running, failed or stopped, with the same
 * progress line on stderr. Returns the exit code: 1 when it ended failed.
 */
export async function waitForDeployment(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ deployment: Deployment; exitCode: number }> {
  const spinner = ora({ text: `${label}: waiting`, stream: process.stderr }).start();
  let last: Deployment | undefined;
  const stream = client.deployment.watchDeployment({ id, untilSettled: true }, { timeoutMs });
  try {
    for await (const update of stream) {
      if (!update.deployment) continue;
      last = update.deployment;
      const message = update.event?.message ?? last.statusReason;
      spinner.text = `${label}: ${deploymentStatusName(last)}${message ? ` — ${message}` : ""}`;
    }
  } catch (error) {
    spinner.fail(`${label}: stopped waiting`);
    throw error;
  }
  if (!last) throw new Error("the server ended the watch without sending the deployment");
  if (last.status === DeploymentStatus.DEPLOYMENT_STATUS_FAILED) {
    spinner.fail(`${label}: failed — ${last.statusReason}`);
    return { deployment: last, exitCode: EXIT.failed };
  }
  spinner.succeed(`${label}: ${deploymentStatusName(last)}${last.statusReason ? ` (${last.statusReason})` : ""}`);
  return { deployment: last, exitCode: EXIT.ok };
}
