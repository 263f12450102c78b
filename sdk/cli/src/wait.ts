import ora from "ora";
import {
  BackupKind,
  BackupStatus,
  DependencyStatus,
  DrillStatus,
  DeploymentStatus,
  isBerthApiError,
  RestoreStatus,
  type BerthClient,
  type ResponseStream,
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

/** The answer of a wait: the record as it settled and the exit code that says how (1 when it failed). */
export interface Settled<T> {
  record: T;
  exitCode: number;
}

/** How a kind of record is followed: its watch, what an update says, and when it settled how. */
interface Follow<U, T extends { statusReason: string }> {
  /** Opens the record's watch stream (until it settles, or the timeout). */
  watch(client: BerthClient, request: { id: string; untilSettled: boolean }, options: { timeoutMs: number }): ResponseStream<U>;
  /** The record an update carries (none before the first). */
  record(update: U): T | undefined;
  /** The record's status name: the progress text, and the timeout message's. */
  status(record: T): string;
  /** The progress text for one update, when it says more than the status. */
  describe?(record: T, update: U): string;
  /** The command that shows the record, for the timeout message; the id follows it. */
  showCommand: string;
  /** Whether the settled record failed (the line then ends with its status reason). */
  failed(record: T): boolean;
  /** The line's end once it settled otherwise. */
  settled(record: T, last: U): string;
}

/**
 * Follows the record `id` to the end of its watch stream and says how it
 * settled; a timeout says what is still going on and how to look.
 */
async function follow<U, T extends { statusReason: string }>(
  options: Follow<U, T>,
  client: BerthClient,
  id: string,
  label: string,
  timeoutMs: number,
): Promise<Settled<T>> {
  const describe = (update: U): string => {
    const record = options.record(update);
    if (!record) return "waiting";
    return options.describe ? options.describe(record, update) : options.status(record);
  };
  const line = progress(`${label}: waiting`);
  let last: U | undefined;
  try {
    for await (const update of options.watch(client, { id, untilSettled: true }, { timeoutMs })) {
      last = update;
      line.update(`${label}: ${describe(update)}`);
    }
  } catch (error) {
    line.fail(`${label}: stopped waiting`);
    if (isBerthApiError(error) && error.reason === "deadline_exceeded") {
      const current = last && options.record(last);
      const state = last ? `it is still ${current ? options.status(current) : "unknown"}` : "it has not reported yet";
      throw new CliError(`stopped waiting after ${Math.round(timeoutMs / 1000)} s; ${state}. Follow it with \`${options.showCommand} ${id}\``, "wait_timeout");
    }
    throw error;
  }
  const record = last && options.record(last);
  if (!last || !record) throw new Error("the server ended the watch without sending the record");
  if (options.failed(record)) {
    line.fail(`${label}: failed — ${record.statusReason}`);
    return { record, exitCode: EXIT.failed };
  }
  line.succeed(`${label}: ${options.settled(record, last)}`);
  return { record, exitCode: EXIT.ok };
}

/** Follows one record of a kind until it settles, with a progress line labelled `label`; gives up after `timeoutMs`. */
type Wait<T> = (client: BerthClient, id: string, label: string, timeoutMs: number) => Promise<Settled<T>>;

/** The wait for a kind of record. */
function waitFor<U, T extends { statusReason: string }>(options: Follow<U, T>): Wait<T> {
  return (client, id, label, timeoutMs) => follow(options, client, id, label, timeoutMs);
}

/** Follows a dependency until it settles. Exit code 0 when ready/deleted, 1 when failed. */
export const waitForDependency = waitFor({
  watch: (client, request, options) => client.dependency.watchDependency(request, options),
  record: (u) => u.dependency,
  status: statusName,
  describe: (dependency, u) => `${statusName(dependency)}${u.progressMessage ? ` — ${u.progressMessage}` : ""}`,
  showCommand: "berth dependency watch",
  failed: (dependency) => dependency.status === DependencyStatus.DEPENDENCY_STATUS_FAILED,
  settled: statusName,
});

/** Follows a deployment until it is running, failed or stopped. Exit code 1 when it ended failed. */
export const waitForDeployment = waitFor({
  watch: (client, request, options) => client.deployment.watchDeployment(request, options),
  record: (u) => u.deployment,
  status: deploymentStatusName,
  describe: (deployment, u) => {
    const message = u.event?.message ?? deployment.statusReason;
    return `${deploymentStatusName(deployment)}${message ? ` — ${message}` : ""}`;
  },
  showCommand: "berth deployments show",
  failed: (deployment) => deployment.status === DeploymentStatus.DEPLOYMENT_STATUS_FAILED,
  settled: (deployment) => `${deploymentStatusName(deployment)}${deployment.statusReason ? ` (${deployment.statusReason})` : ""}`,
});

/** "running — 12.4 MB of 50.0 MB — dumping table orders": the status, the bytes so far (once there are any) and the worker's line. */
function byteProgress(status: string, update: { bytesDone: string; bytesTotal: string; progressMessage: string }, verb: string): string {
  const done = Number(update.bytesDone);
  const total = Number(update.bytesTotal);
  const bytes = done > 0 || total > 0 ? ` — ${humanBytes(done)}${total > 0 ? ` of ${humanBytes(total)}` : ""} ${verb}` : "";
  return `${status}${bytes}${update.progressMessage ? ` — ${update.progressMessage}` : ""}`;
}

/** Follows a backup until it succeeds or fails, with the bytes written so far. Exit code 1 when it ended failed. */
export const waitForBackup = waitFor({
  watch: (client, request, options) => client.backup.watchBackup(request, options),
  record: (u) => u.backup,
  status: backupStatusName,
  // bytes_done counts the engine's dump as read (before compression and encryption); size_bytes is the stored artifact.
  describe: (backup, u) => byteProgress(backupStatusName(backup), u, "backed up"),
  showCommand: "berth dependency backup show",
  failed: (backup) => backup.status === BackupStatus.BACKUP_STATUS_FAILED,
  settled: (backup, last) => {
    const detail =
      backup.kind === BackupKind.BACKUP_KIND_METADATA_ONLY
        ? `metadata only (${backup.metadataOnlyReason || "no data artifact"}; cannot be restored)`
        : `${Number(last.bytesDone) > 0 ? `${humanBytes(last.bytesDone)} backed up, ` : ""}artifact ${humanBytes(backup.sizeBytes)} (compressed, encrypted), sha256 ${backup.sha256.slice(0, 12)}`;
    return `${backupStatusName(backup)} — ${detail}`;
  },
});

/** Follows a restore until it succeeds or fails, with the bytes restored so far. Exit code 1 when it ended failed. */
export const waitForRestore = waitFor({
  watch: (client, request, options) => client.backup.watchRestore(request, options),
  record: (u) => u.restore,
  status: restoreStatusName,
  describe: (restore, u) => byteProgress(restoreStatusName(restore), u, "restored"),
  showCommand: "berth dependency backup restore-status",
  // The failed line's reason says what state the dependency was left in (untouched, unchanged, rolled back or partial).
  failed: (restore) => restore.status === RestoreStatus.RESTORE_STATUS_FAILED,
  settled: (restore) => `${restoreStatusName(restore)} — ${humanBytes(restore.bytesRestored)} restored`,
});

/** Follows a restore drill until it passes or fails. Exit code 1 unless it passed. */
export const waitForDrill = waitFor({
  watch: (client, request, options) => client.backup.watchDrill(request, options),
  record: (u) => u.drill,
  status: drillStatusName,
  showCommand: "berth dependency backup drill-status",
  failed: (drill) => drill.status !== DrillStatus.DRILL_STATUS_PASSED,
  settled: (drill) => `passed — ${drill.checks.filter((c) => c.ok).length} checks`,
});
