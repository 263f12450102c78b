import ora from "ora";
import { DependencyStatus, DeploymentStatus, isBerthApiError, type BerthClient, type Dependency, type Deployment, type ResponseStream } from "@berth/client";
import { EXIT } from "./exit-codes.js";
import { CliError } from "./output.js";
import { statusName } from "./present.js";
import { deploymentStatusName } from "./present-deployment.js";

/** A live progress line on stderr: a spinner on a terminal, plain lines otherwise (logs, CI). */
function progress(initial: string) {
  if (process.stderr.isTTY) {
    const spinner = ora({ text: initial, stream: process.stderr }).start();
    return {
      update: (text: string) => void (spinner.text = text),
      succeed: (text: string) => void spinner.succeed(text),
      fail: (text: string) => void spinner.fail(text),
    };
  }
  let last = "";
  const line = (text: string) => {
    if (text !== last) process.stderr.write(`${text}\n`);
    last = text;
  };
  return { update: line, succeed: line, fail: line };
}

interface Follow<T> {
  label: string;
  stream: ResponseStream<T>;
  /** The progress text for one update. */
  describe(update: T): string;
  /** The current record's status name, for the timeout message. */
  status(update: T): string;
  /** A command that shows the record, for the timeout message. */
  showCommand: string;
  timeoutMs: number;
}

/** Follows a watch stream to its end; a timeout says what is still going on and how to look. */
async function follow<T>(options: Follow<T>): Promise<{ last: T; line: ReturnType<typeof progress> }> {
  const line = progress(`${options.label}: waiting`);
  let last: T | undefined;
  try {
    for await (const update of options.stream) {
      last = update;
      line.update(`${options.label}: ${options.describe(update)}`);
    }
  } catch (error) {
    if (isBerthApiError(error) && error.reason === "deadline_exceeded") {
      const state = last ? `it is still ${options.status(last)}` : "it has not reported yet";
      line.fail(`${options.label}: stopped waiting`);
      throw new CliError(`stopped waiting after ${Math.round(options.timeoutMs / 1000)} s; ${state}. Follow it with \`${options.showCommand}\``, "wait_timeout", EXIT.failed);
    }
    line.fail(`${options.label}: stopped waiting`);
    throw error;
  }
  if (!last) throw new Error("the server ended the watch without sending the record");
  return { last, line };
}

/** Follows a dependency until it settles. Exit code 0 when ready/deleted, 1 when failed. */
export async function waitForDependency(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ dependency: Dependency; exitCode: number }> {
  const { last, line } = await follow({
    label,
    stream: client.dependency.watchDependency({ id, untilSettled: true }, { timeoutMs }),
    describe: (u) => (u.dependency ? `${statusName(u.dependency)}${u.progressMessage ? ` — ${u.progressMessage}` : ""}` : "waiting"),
    status: (u) => (u.dependency ? statusName(u.dependency) : "unknown"),
    showCommand: `berth dependency watch ${id}`,
    timeoutMs,
  });
  const dependency = last.dependency!;
  if (dependency.status === DependencyStatus.DEPENDENCY_STATUS_FAILED) {
    line.fail(`${label}: failed — ${dependency.statusReason}`);
    return { dependency, exitCode: EXIT.failed };
  }
  line.succeed(`${label}: ${statusName(dependency)}`);
  return { dependency, exitCode: EXIT.ok };
}

/** Follows a deployment until it is running, failed or stopped. Exit code 1 when it ended failed. */
export async function waitForDeployment(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ deployment: Deployment; exitCode: number }> {
  const { last, line } = await follow({
    label,
    stream: client.deployment.watchDeployment({ id, untilSettled: true }, { timeoutMs }),
    describe: (u) => {
      if (!u.deployment) return "waiting";
      const message = u.event?.message ?? u.deployment.statusReason;
      return `${deploymentStatusName(u.deployment)}${message ? ` — ${message}` : ""}`;
    },
    status: (u) => (u.deployment ? deploymentStatusName(u.deployment) : "unknown"),
    showCommand: `berth deployments show ${id}`,
    timeoutMs,
  });
  const deployment = last.deployment!;
  if (deployment.status === DeploymentStatus.DEPLOYMENT_STATUS_FAILED) {
    line.fail(`${label}: failed — ${deployment.statusReason}`);
    return { deployment, exitCode: EXIT.failed };
  }
  line.succeed(`${label}: ${deploymentStatusName(deployment)}${deployment.statusReason ? ` (${deployment.statusReason})` : ""}`);
  return { deployment, exitCode: EXIT.ok };
}
