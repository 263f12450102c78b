import { Command } from "commander";
import { BackupStatus, RestoreStatus } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printBackup, printRestore } from "../present-backup.js";
import { waitForBackup, waitForRestore } from "../wait.js";
import { examples, timeoutOption, withClient } from "./common.js";

const CANCEL_HELP =
  "\n\nA pending job ends `failed` at once. A running one is marked; the worker that runs it (on any\n" +
  "replica) stops at its next heartbeat, within a few seconds, and ends it `failed` with a status reason\n" +
  "starting \"cancelled\". The command waits for that unless --no-wait. Cancelling a cancelled job prints it\n" +
  "again (exit 0); one that already finished otherwise is refused (exit 5, reason %s).\n" +
  "Exit code: 0 once cancelled; 1 when the job finished before the cancel reached it (it then stays %s).";

/** `berth dependency backup cancel bkp_…`: stops a pending or running backup; no artifact is kept. */
export function backupCancelCommand(): Command {
  return new Command("cancel")
    .description("cancel a pending or running backup (its partial artifact is removed; the backup ends failed)")
    .argument("<backup-id>", "backup id (bkp_…)")
    .option("--no-wait", "return as soon as the cancel is recorded, without waiting for the worker to stop")
    .addOption(timeoutOption())
    .addHelpText("after", examples("berth dependency backup cancel bkp_8Vd…", "berth dependency backup cancel bkp_8Vd… --no-wait -o json") + CANCEL_HELP.replace("%s", "backup_already_finished").replace("%s", "succeeded"))
    .action(
      withClient<{ wait: boolean; timeout: number }>(async (client, flags, id) => {
        const { backup } = await client.backup.cancelBackup({ id });
        if (!flags.wait) {
          printBackup(backup!, flags.output);
          return EXIT.ok;
        }
        const settled = await waitForBackup(client, id, `cancelling ${id}`, flags.timeout);
        printBackup(settled.backup, flags.output);
        return settled.backup.status === BackupStatus.BACKUP_STATUS_FAILED ? EXIT.ok : EXIT.failed;
      }),
    );
}

/** `berth dependency backup restore cancel rst_…`: stops a pending or running restore and says what state the target is in. */
export function restoreCancelCommand(): Command {
  return new Command("cancel")
    .description("cancel a pending or running restore; its status reason says what state the dependency is in")
    .argument("<restore-id>", "restore id (rst_…)")
    .option("--no-wait", "return as soon as the cancel is recorded, without waiting for the worker to stop")
    .addOption(timeoutOption())
    .addHelpText(
      "after",
      examples("berth dependency backup restore cancel rst_2Jp…", "berth dependency backup restore cancel rst_2Jp… -o json") +
        CANCEL_HELP.replace("%s", "restore_already_finished").replace("%s", "succeeded") +
        "\nA Postgres restore runs in one transaction, so a cancelled one leaves the dependency unchanged; for\n" +
        "other kinds the reason says whether the dependency may hold partially restored data.",
    )
    .action(
      withClient<{ wait: boolean; timeout: number }>(async (client, flags, id) => {
        const { restore } = await client.backup.cancelRestore({ id });
        if (!flags.wait) {
          printRestore(restore!, flags.output);
          return EXIT.ok;
        }
        const settled = await waitForRestore(client, id, `cancelling ${id}`, flags.timeout);
        printRestore(settled.restore, flags.output);
        return settled.restore.status === RestoreStatus.RESTORE_STATUS_FAILED ? EXIT.ok : EXIT.failed;
      }),
    );
}
