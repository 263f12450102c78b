import { Command } from "commander";
import { BackupStatus, RestoreStatus, type BerthClient } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { waitForBackup, waitForRestore, type Settled } from "../wait.js";
import { examples, printOrWait, timeoutOption, withClient } from "./common.js";
import { RECORDS, type RecordKind } from "./records.js";

/** The help after the examples; `%s` is the refusal's reason. */
const CANCEL_HELP =
  "\n\nA pending job ends `failed` at once. A running one is marked; the worker that runs it (on any\n" +
  "replica) stops at its next heartbeat, within a few seconds, and ends it `failed` with a status reason\n" +
  "starting \"cancelled\". The command waits for that unless --no-wait. Cancelling a cancelled job prints it\n" +
  "again (exit 0); one that already finished otherwise is refused (exit 5, reason %s).\n" +
  "Exit code: 0 once cancelled; 1 when the job finished before the cancel reached it (it then stays succeeded).";

interface CancelCommand<T extends { status: number }> {
  description: string;
  examples: string[];
  /** The reason of the refusal to cancel a finished job. */
  alreadyFinished: string;
  /** More help, after the common part. */
  help?: string;
  cancel: (client: BerthClient, id: string) => Promise<T | undefined>;
  wait: (client: BerthClient, id: string, label: string, timeoutMs: number) => Promise<Settled<T>>;
  /** The status a cancelled job ends in. */
  cancelled: T["status"];
}

/**
 * `cancel` of a job of `kind` (a backup or a restore, given by id; printed as its `show` prints it):
 * records the cancel, then (unless --no-wait) waits until the worker stopped: exit 0 once cancelled, 1 when the job finished first.
 */
function cancelCommand<T extends { status: number }>(kind: RecordKind<T>, spec: CancelCommand<T>): Command {
  return new Command("cancel")
    .description(spec.description)
    .argument(...kind.argument!)
    .option("--no-wait", "return as soon as the cancel is recorded, without waiting for the worker to stop")
    .addOption(timeoutOption())
    .addHelpText("after", examples(...spec.examples) + CANCEL_HELP.replace("%s", spec.alreadyFinished) + (spec.help ?? ""))
    .action(
      withClient<{ wait: boolean; timeout: number }>(async (client, flags, id) =>
        printOrWait(flags, await spec.cancel(client, id), kind.print, async () => {
          const { record } = await spec.wait(client, id, `cancelling ${id}`, flags.timeout);
          return { record, exitCode: record.status === spec.cancelled ? EXIT.ok : EXIT.failed };
        }),
      ),
    );
}

/** `berth dependency backup cancel bkp_…`: stops a pending or running backup; no artifact is kept. */
export function backupCancelCommand(): Command {
  return cancelCommand(RECORDS.backup, {
    description: "cancel a pending or running backup (its partial artifact is removed; the backup ends failed)",
    examples: ["berth dependency backup cancel bkp_8Vd…", "berth dependency backup cancel bkp_8Vd… --no-wait -o json"],
    alreadyFinished: "backup_already_finished",
    cancel: async (client, id) => (await client.backup.cancelBackup({ id })).backup,
    wait: waitForBackup,
    cancelled: BackupStatus.BACKUP_STATUS_FAILED,
  });
}

/** `berth dependency backup restore cancel rst_…`: stops a pending or running restore and says what state the target is in. */
export function restoreCancelCommand(): Command {
  return cancelCommand(RECORDS.restore, {
    description: "cancel a pending or running restore; its status reason says what state the dependency is in",
    examples: ["berth dependency backup restore cancel rst_2Jp…", "berth dependency backup restore cancel rst_2Jp… -o json"],
    alreadyFinished: "restore_already_finished",
    help:
      "\nA Postgres restore runs in one transaction, so a cancelled one leaves the dependency unchanged; for\n" +
      "other kinds the reason says whether the dependency may hold partially restored data.",
    cancel: async (client, id) => (await client.backup.cancelRestore({ id })).restore,
    wait: waitForRestore,
    cancelled: RestoreStatus.RESTORE_STATUS_FAILED,
  });
}
