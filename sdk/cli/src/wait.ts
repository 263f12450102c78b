import ora from "ora";
import {
  BackupKind,
  BackupStatus,
  DependencyStatus,
  DrillStatus,
  type Drill,
  DeploymentStatus,
  isBerthApiError,
  RestoreStatus,
  type Backup,
  type BerthClient,
  type Dependency,
  type Deployment,
  type ResponseStream,
  type Restore,
} from "@berth/client";
import { EXIT } from "./exit-codes.js";
import { CliError, humanBytes } from "./output.js";
import { statusName } from "./present.js";
import { backupStatusName, restoreStatusName } from "./present-backup.js";
import { drillStatusName } from "./present-drill.js";
import { deploymentStatusName } from "./present-deployment.js";

/** A live progress line on stderr: a spinner on a terminal, plain lines otherwise (logs, CI). */
function progress(initial: string) {
  if (process.stderr.isTTY && (process.stderr.columns ?? 0) > 0) {
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
      throw new CliError(`stopped waiting after ${Math.round(options.timeoutMs / 1000)} s; ${state}. Follow it with \`${options.showCommand}\``, "wait_timeout");
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

/** "running — 12.4 MB of 50.0 MB — dumping table orders": the status, the bytes so far (once there are any) and the worker's line. */
function byteProgress(status: string, update: { bytesDone: string; bytesTotal: string; progressMessage: string }, verb: string): string {
  const done = Number(update.bytesDone);
  const total = Number(update.bytesTotal);
  const bytes = done > 0 || total > 0 ? ` — ${humanBytes(done)}${total > 0 ? ` of ${humanBytes(total)}` : ""} ${verb}` : "";
  return `${status}${bytes}${update.progressMessage ? ` — ${update.progressMessage}` : ""}`;
}

/** Follows a backup until it succeeds or fails, with the bytes written so far. Exit code 1 when it ended failed. */
export async function waitForBackup(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ backup: Backup; exitCode: number }> {
  const { last, line } = await follow({
    label,
    stream: client.backup.watchBackup({ id, untilSettled: true }, { timeoutMs }),
    // bytes_done counts the engine's dump as read (before compression and encryption); size_bytes is the stored artifact.
    describe: (u) => (u.backup ? byteProgress(backupStatusName(u.backup), u, "backed up") : "waiting"),
    status: (u) => (u.backup ? backupStatusName(u.backup) : "unknown"),
    showCommand: `berth dependency backup show ${id}`,
    timeoutMs,
  });
  const backup = last.backup!;
  if (backup.status === BackupStatus.BACKUP_STATUS_FAILED) {
    line.fail(`${label}: failed — ${backup.statusReason}`);
    return { backup, exitCode: EXIT.failed };
  }
  const detail =
    backup.kind === BackupKind.BACKUP_KIND_METADATA_ONLY
      ? `metadata only (${backup.metadataOnlyReason || "no data artifact"}; cannot be restored)`
      : `${Number(last.bytesDone) > 0 ? `${humanBytes(last.bytesDone)} backed up, ` : ""}artifact ${humanBytes(backup.sizeBytes)} (compressed, encrypted), sha256 ${backup.sha256.slice(0, 12)}`;
  line.succeed(`${label}: ${backupStatusName(backup)} — ${detail}`);
  return { backup, exitCode: EXIT.ok };
}

/** Follows a restore until it succeeds or fails, with the bytes restored so far. Exit code 1 when it ended failed. */
export async function waitForRestore(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ restore: Restore; exitCode: number }> {
  const { last, line } = await follow({
    label,
    stream: client.backup.watchRestore({ id, untilSettled: true }, { timeoutMs }),
    describe: (u) => (u.restore ? byteProgress(restoreStatusName(u.restore), u, "restored") : "waiting"),
    status: (u) => (u.restore ? restoreStatusName(u.restore) : "unknown"),
    showCommand: `berth dependency backup restore-status ${id}`,
    timeoutMs,
  });
  const restore = last.restore!;
  if (restore.status === RestoreStatus.RESTORE_STATUS_FAILED) {
    // The reason says what state the dependency was left in (untouched, unchanged, rolled back or partial).
    line.fail(`${label}: failed — ${restore.statusReason}`);
    return { restore, exitCode: EXIT.failed };
  }
  line.succeed(`${label}: ${restoreStatusName(restore)} — ${humanBytes(restore.bytesRestored)} restored`);
  return { restore, exitCode: EXIT.ok };
}

export async function waitForDrill(client: BerthClient, id: string, label: string, timeoutMs: number): Promise<{ drill: Drill; exitCode: number }> {
  const { last, line } = await follow({
    label,
    stream: client.backup.watchDrill({ id, untilSettled: true }, { timeoutMs }),
    describe: (u) => (u.drill ? drillStatusName(u.drill) : "waiting"),
    status: (u) => (u.drill ? drillStatusName(u.drill) : "unknown"),
    showCommand: `berth dependency backup drill-status ${id}`,
    timeoutMs,
  });
  const drill = last.drill!;
  if (drill.status !== DrillStatus.DRILL_STATUS_PASSED) {
    line.fail(`${label}: failed — ${drill.statusReason}`);
    return { drill, exitCode: EXIT.failed };
  }
  line.succeed(`${label}: passed — ${drill.checks.filter((c) => c.ok).length} checks`);
  return { drill, exitCode: EXIT.ok };
}
