import { Command, InvalidArgumentError, Option } from "commander";
import { BackupStatus, backupStatusFromJSON, RestoreStatus, restoreStatusFromJSON } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printBackup, printBackupList, printRestore, printRestoreList } from "../present-backup.js";
import { waitForBackup, waitForRestore } from "../wait.js";
import { backupCancelCommand, restoreCancelCommand } from "./backup-cancel.js";
import { backupPolicyCommand } from "./backup-policy.js";
import { addPageOptions, collectPages, examples, requestId, requestIdOption, timeoutOption, withClient, type PageFlags } from "./common.js";

const STATUSES = ["pending", "running", "succeeded", "failed"];

function parseRetentionDays(value: string): number {
  const days = Number(value);
  if (!Number.isInteger(days) || days < 0) throw new InvalidArgumentError("must be a whole number of days (0 keeps the backup until it is deleted)");
  return days;
}

const RESTORE_WARNING =
  "\n\nA restore overwrites the dependency's data IN PLACE with the backup's: everything written since the\n" +
  "backup was taken is lost. It restores data only: it does not restart the runtimes that use the\n" +
  "dependency, change its connection secret or bindings, or rewrite deployment snapshots (the server's\n" +
  "notice, printed with the restore, says the same). Without --acknowledge-data-overwrite the server\n" +
  "refuses, changing nothing (exit code 5, reason restore_acknowledgement_required). Only a succeeded\n" +
  "native backup can be restored (metadata-only ones hold no data: restore_point_metadata_only), and one\n" +
  "restore of a dependency runs at a time (restore_in_progress); `berth dependency backup restore cancel rst_…`\n" +
  "stops a pending or running one.\n" +
  "Exit code: with --wait, 1 when the restore ends failed (the dependency may hold partially restored data).";

/** `berth dependency backup …`: back up a dependency and restore it in place. */
export function dependencyBackupCommand(): Command {
  const backup = new Command("backup")
    .alias("backups")
    .description("back up a dependency's data and restore it in place (native backups; metadata only where Berth cannot read the data)");

  backup
    .command("create")
    .description("take a backup of a dependency (asynchronous: returns in `pending` unless --wait)")
    .argument("<dependency-id>", "dependency id (dep_…)")
    .option("--retention-days <n>", "delete the backup this many days from now (default 0: keep it until deleted)", parseRetentionDays, 0)
    .option("--wait", "wait until it succeeds (or fails), showing the bytes written so far", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      examples("berth dependency backup create dep_3Kx… --wait", "berth dependency backup create dep_3Kx… --retention-days 14 --wait --timeout 1800 -o json") +
        "\n\nNative when the provider can back the engine up and Berth holds the connection secret (a logical dump\n" +
        "in the engine's own format, encrypted at rest and checksummed); otherwise a metadata-only restore\n" +
        "point that cannot be restored (`show` says why).\n" +
        "Exit code: with --wait, 1 when the backup ends failed.",
    )
    .action(
      withClient<{ retentionDays: number; wait: boolean; timeout: number; requestId?: string }>(async (client, flags, dependencyId) => {
        const { backup: created } = await client.backup.createBackup({ requestId: requestId(flags), dependencyId, retentionDays: flags.retentionDays });
        if (!flags.wait) {
          printBackup(created!, flags.output);
          return EXIT.ok;
        }
        const settled = await waitForBackup(client, created!.id, `backing up ${dependencyId} (${created!.id})`, flags.timeout);
        printBackup(settled.backup, flags.output);
        return settled.exitCode;
      }),
    );

  addPageOptions(
    backup
      .command("list")
      .alias("ls")
      .description("list the backups of a dependency")
      .argument("<dependency-id>", "dependency id (dep_…)")
      .addOption(new Option("--status <status>", "only this status").choices(STATUSES))
      .option("--show-deleted", "include deleted backups", false),
  )
    .addHelpText("after", examples("berth dependency backup list dep_3Kx…", "berth dependency backup list dep_3Kx… --status succeeded -o json"))
    .action(
      withClient<{ status?: string; showDeleted: boolean } & PageFlags>(async (client, flags, dependencyId) => {
        const status = flags.status ? backupStatusFromJSON(`BACKUP_STATUS_${flags.status.toUpperCase()}`) : BackupStatus.BACKUP_STATUS_UNSPECIFIED;
        const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
          const page = await client.backup.listBackups({ dependencyId, status, pageSize, pageToken, showDeleted: flags.showDeleted });
          return { items: page.backups, nextPageToken: page.nextPageToken };
        });
        printBackupList(items, flags.output, nextPageToken);
        return EXIT.ok;
      }),
    );

  backup
    .command("show")
    .alias("get")
    .description("show one backup: kind (and why metadata only), status, size, duration, full SHA-256, format, times")
    .argument("<backup-id>", "backup id (bkp_…)")
    .addHelpText("after", examples("berth dependency backup show bkp_8Vd…", "berth dependency backup show bkp_8Vd… -o json"))
    .action(
      withClient(async (client, flags, id) => {
        const { backup: found } = await client.backup.getBackup({ id });
        printBackup(found!, flags.output);
        return EXIT.ok;
      }),
    );

  backup
    .command("delete")
    .alias("rm")
    .description("delete a backup and its artifact (refused with restore_in_progress while a restore from it runs)")
    .argument("<backup-id>", "backup id (bkp_…)")
    .addOption(requestIdOption())
    .addHelpText("after", examples("berth dependency backup delete bkp_8Vd…"))
    .action(
      withClient<{ requestId?: string }>(async (client, flags, id) => {
        const { backup: deleted } = await client.backup.deleteBackup({ id, requestId: requestId(flags) });
        printBackup(deleted!, flags.output);
        return EXIT.ok;
      }),
    );

  backup.addCommand(backupCancelCommand());

  const restoreCommand = backup
    .command("restore")
    .description("restore a backup into its own dependency, OVERWRITING the dependency's current data in place")
    .argument("<backup-id>", "backup id (bkp_…) of a succeeded native backup")
    .option("--acknowledge-data-overwrite", "confirm that the dependency's current data is replaced by the backup's (required)", false)
    .option("--wait", "wait until it succeeds (or fails), showing the bytes restored so far", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      examples("berth dependency backup restore bkp_8Vd… --acknowledge-data-overwrite --wait", "berth dependency backup restore bkp_8Vd… --acknowledge-data-overwrite -o json") + RESTORE_WARNING,
    )
    .action(
      withClient<{ acknowledgeDataOverwrite: boolean; wait: boolean; timeout: number; requestId?: string }>(async (client, flags, backupId) => {
        // Sent as given: without the acknowledgement the server refuses (restore_acknowledgement_required)
        // and the error says what a restore overwrites.
        const { restore } = await client.backup.restoreBackup({ requestId: requestId(flags), backupId, acknowledgeDataOverwrite: flags.acknowledgeDataOverwrite });
        if (!flags.wait) {
          printRestore(restore!, flags.output);
          return EXIT.ok;
        }
        const settled = await waitForRestore(client, restore!.id, `restoring ${backupId} into ${restore!.dependencyId} (${restore!.id})`, flags.timeout);
        printRestore(settled.restore, flags.output);
        return settled.exitCode;
      }),
    );
  restoreCommand.addCommand(restoreCancelCommand());

  addPageOptions(
    backup
      .command("restores")
      .description("list the restores of a dependency")
      .argument("<dependency-id>", "dependency id (dep_…)")
      .option("--backup <id>", "only restores of this backup (bkp_…)")
      .addOption(new Option("--status <status>", "only this status").choices(STATUSES)),
  )
    .addHelpText("after", examples("berth dependency backup restores dep_3Kx…", "berth dependency backup restores dep_3Kx… --backup bkp_8Vd… -o json"))
    .action(
      withClient<{ backup?: string; status?: string } & PageFlags>(async (client, flags, dependencyId) => {
        const status = flags.status ? restoreStatusFromJSON(`RESTORE_STATUS_${flags.status.toUpperCase()}`) : RestoreStatus.RESTORE_STATUS_UNSPECIFIED;
        const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
          const page = await client.backup.listRestores({ dependencyId, backupId: flags.backup ?? "", status, pageSize, pageToken });
          return { items: page.restores, nextPageToken: page.nextPageToken };
        });
        printRestoreList(items, flags.output, nextPageToken);
        return EXIT.ok;
      }),
    );

  backup
    .command("restore-status")
    .description("show one restore: status, bytes restored, times and what the restore does not do")
    .argument("<restore-id>", "restore id (rst_…)")
    .addHelpText("after", examples("berth dependency backup restore-status rst_2Jp…", "berth dependency backup restore-status rst_2Jp… -o json"))
    .action(
      withClient(async (client, flags, id) => {
        const { restore } = await client.backup.getRestore({ id });
        printRestore(restore!, flags.output);
        return EXIT.ok;
      }),
    );

  backup.addCommand(backupPolicyCommand());
  return backup;
}
