import ora from "ora";
import { DependencyStatus, type BerthClient, type Dependency } from "@berth/client";
import { EXIT } from "./exit-codes.js";
import { statusName } from "./present.js";

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
