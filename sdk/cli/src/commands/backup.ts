import { Command, InvalidArgumentError } from "commander";
import { backupStatusFromJSON, restoreStatusFromJSON } from "@berth/client";
import { CliError } from "../output.js";
import { printBackup, printBackupList, printRestore, printRestoreList } from "../present-backup.js";
import { waitForBackup, waitForRestore } from "../wait.js";
import { backupCancelCommand, restoreCancelCommand } from "./backup-cancel.js";
import { drillsCommand, drillStatusCommand, verifyCommand } from "./backup-drill.js";
import { backupPolicyCommand } from "./backup-policy.js";
import { confirmDestructive } from "../confirm.js";
import { deleteCommand, examples, listCommand, printOrWait, requestId, requestIdOption, showCommand, statusFilter, statusOption, timeoutOption, withClient } from "./common.js";
import { RECORDS } from "./records.js";
import { addScopeOptions, DEPENDENCY_ARGUMENT, ID_ARGUMENTS, resolveDependency, type Scope } from "./resolve.js";


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
  "notice, printed with the restore, says the same). On a terminal Berth asks you to type the dependency's\n" +
  "name (or y), and that answer is the acknowledgement. Without a terminal (CI, pipes) pass both --yes and\n" +
  "--acknowledge-data-overwrite: without --yes the CLI refuses (exit code 2, reason confirmation_required),\n" +
  "without the acknowledgement the server refuses (exit code 5, reason restore_acknowledgement_required);\n" +
  "either way nothing is changed. Only a succeeded\n" +
  "native backup can be restored (metadata-only ones hold no data: restore_point_metadata_only), and one\n" +
  "restore of a dependency runs at a time (restore_in_progress); `berth dependency backup restore cancel rst_…`\n" +
  "stops a pending or running one.\n\n" +
  "Before writing, Berth takes a safety backup of the dependency (trigger pre-restore, kept 7 days) and\n" +
  "names it in the restore's output: restore that backup to undo a restore you regret. If the restore\n" +
  "fails or is cancelled after it began writing, Berth puts the dependency back from the safety backup by\n" +
  "itself (Postgres restores run in one transaction and need no rollback). --skip-safety-backup skips both.\n\n" +
  "--to-new NAME restores into a NEW managed dependency of the same kind instead (in --project and\n" +
  "--environment, default the source's): the source is never touched and keeps serving writes, no\n" +
  "acknowledgement is needed, and the new dependency's provenance names the backup. Use it to copy\n" +
  "production into staging or to investigate an incident.\n" +
  "Exit code: with --wait, 1 when the restore ends failed (the dependency may hold partially restored data).";

/** `berth dependency backup …`: back up a dependency and restore it in place. */
interface RestoreFlags {
  acknowledgeDataOverwrite: boolean;
  yes: boolean;
  skipSafetyBackup: boolean;
  toNew?: string;
  project?: string;
  environment?: string;
  realizationTarget?: string;
  wait: boolean;
  timeout: number;
  requestId?: string;
}

export function dependencyBackupCommand(): Command {
  const backup = new Command("backup")
    .alias("backups")
    .description("back up a dependency's data and restore it in place (native backups; metadata only where Berth cannot read the data)");

  addScopeOptions(
    backup.command("create").description("take a backup of a dependency (asynchronous: returns in `pending` unless --wait)").argument("<dependency>", DEPENDENCY_ARGUMENT),
    "dependency",
  )
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
      withClient<Scope & { retentionDays: number; wait: boolean; timeout: number; requestId?: string }>(async (client, flags, ref) => {
        const dependencyId = await resolveDependency(client, ref, flags);
        const { backup: created } = await client.backup.createBackup({ requestId: requestId(flags), dependencyId, retentionDays: flags.retentionDays });
        return printOrWait(flags, created, printBackup, () => waitForBackup(client, created!.id, `backing up ${dependencyId} (${created!.id})`, flags.timeout));
      }),
    );

  backup.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list the backups of a dependency; an unknown dependency is an error (exit 3)",
      subject: "dependency",
      options: (command) => command.addOption(statusOption(STATUSES)).option("--show-deleted", "include deleted backups", false),
      examples: ["berth dependency backup list dep_3Kx…", "berth dependency backup list app-db --project prj_shop --environment env_prod", "berth dependency backup list dep_3Kx… --status succeeded -o json"],
      filter: (_client, flags: { status?: string; showDeleted: boolean }, dependencyId) => ({
        dependencyId,
        status: statusFilter(flags.status, "BACKUP_STATUS_", backupStatusFromJSON),
        showDeleted: flags.showDeleted,
      }),
      list: (client, request) => client.backup.listBackups(request),
      items: "backups",
      print: printBackupList,
    }),
  );

  backup.addCommand(
    showCommand(RECORDS.backup, {
      alias: "get",
      description: "show one backup: kind (and why metadata only), status, size, duration, full SHA-256, format, times",
      examples: ["berth dependency backup show bkp_8Vd…", "berth dependency backup show bkp_8Vd… -o json"],
    }),
  );

  backup.addCommand(
    deleteCommand({
      description: "delete a backup and its artifact (refused with restore_in_progress while a restore from it runs)",
      argument: ID_ARGUMENTS.backup,
      options: (command) => command.option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)", false),
      examples: ["berth dependency backup delete bkp_8Vd…          # asks you to type the backup id", "berth dependency backup delete bkp_8Vd… --yes"],
      help:
        "\n\nOn a terminal it asks you to type the backup id (or y). Without a terminal it refuses unless --yes is\n" +
        "given (exit 2, reason confirmation_required), changing nothing.",
      run: async (client, flags: { yes: boolean; requestId?: string }, id) => {
        if (!flags.yes) {
          const { backup: found } = await client.backup.getBackup({ id });
          await confirmDestructive(false, {
            action: `delete backup ${id} of ${found!.dependencyId} and its artifact`,
            warning: "A deleted backup cannot be restored.",
            name: id,
            command: `berth dependency backup delete ${id}`,
          });
        }
        return (await client.backup.deleteBackup({ id, requestId: requestId(flags) })).backup;
      },
      print: printBackup,
    }),
  );

  backup.addCommand(backupCancelCommand());
  backup.addCommand(verifyCommand());
  backup.addCommand(drillsCommand());
  backup.addCommand(drillStatusCommand());

  const restoreCommand = backup
    .command("restore")
    .description("restore a backup in place (OVERWRITING the dependency's data, after a safety backup) or into a new dependency (--to-new)")
    .argument("<backup-id>", "backup id (bkp_…) of a succeeded native backup")
    .option("--acknowledge-data-overwrite", "confirm that the dependency's current data is replaced by the backup's (required in place without a terminal)", false)
    .option("-y, --yes", "in place: do not ask for confirmation (required when stdin is not a terminal)", false)
    .option("--skip-safety-backup", "in place: do not back up the current data first (and so no automatic rollback)", false)
    .option("--to-new <name>", "restore into a new managed dependency with this name; the source is not touched")
    .option("--project <id>", "with --to-new: project of the new dependency (default: the source's)")
    .option("--environment <id>", "with --to-new: environment of the new dependency (default: the source's)")
    .option("--realization-target <name>", "with --to-new: where to provision it (default: the kind's default target)")
    .option("--wait", "wait until it succeeds (or fails), showing the bytes restored so far", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      examples(
        "berth dependency backup restore bkp_8Vd… --wait                     # on a terminal: asks you to type the dependency's name",
        "berth dependency backup restore bkp_8Vd… --acknowledge-data-overwrite --yes --wait",
        "berth dependency backup restore bkp_8Vd… --to-new app-db-copy --environment env_staging --wait",
        "berth dependency backup restore bkp_8Vd… --acknowledge-data-overwrite --yes -o json",
      ) + RESTORE_WARNING,
    )
    .action(
      withClient<RestoreFlags>(async (client, flags, backupId) => {
        if (!flags.toNew && (flags.project || flags.environment || flags.realizationTarget)) {
          throw new CliError("--project, --environment and --realization-target go with --to-new NAME", "invalid_argument");
        }
        let acknowledged = flags.acknowledgeDataOverwrite;
        if (!flags.toNew && !flags.yes) {
          const { backup: found } = await client.backup.getBackup({ id: backupId });
          const { dependency: target } = await client.dependency.getDependency({ id: found!.dependencyId });
          await confirmDestructive(false, {
            action: `restore ${backupId} IN PLACE into ${target!.name} (${target!.id}), overwriting its data`,
            warning: "Everything written to the dependency since the backup was taken is lost (a safety backup is taken first unless --skip-safety-backup).",
            name: target!.name,
            command: `berth dependency backup restore ${backupId} --acknowledge-data-overwrite`,
          });
          // Typing the dependency's name after that warning is the acknowledgement.
          acknowledged = true;
        }
        // --to-new without --project/--environment: the source's (named in the request, so a scoped
        // token is checked against where the copy goes).
        let toNewScope = { projectId: flags.project ?? "", environmentId: flags.environment ?? "" };
        if (flags.toNew && (!toNewScope.projectId || !toNewScope.environmentId)) {
          const { backup: found } = await client.backup.getBackup({ id: backupId });
          const { dependency: source } = await client.dependency.getDependency({ id: found!.dependencyId });
          toNewScope = { projectId: toNewScope.projectId || source!.projectId, environmentId: toNewScope.environmentId || source!.environmentId };
        }
        // Otherwise sent as given: without the acknowledgement the server refuses
        // (restore_acknowledgement_required) and the error says what a restore overwrites.
        const { restore } = await client.backup.restoreBackup({
          requestId: requestId(flags),
          backupId,
          acknowledgeDataOverwrite: acknowledged,
          skipSafetyBackup: flags.skipSafetyBackup,
          toNew: flags.toNew ? { name: flags.toNew, ...toNewScope, realizationTarget: flags.realizationTarget ?? "" } : undefined,
        });
        return printOrWait(flags, restore, printRestore, () => waitForRestore(client, restore!.id, `restoring ${backupId} into ${restore!.dependencyId} (${restore!.id})`, flags.timeout));
      }),
    );
  restoreCommand.addCommand(restoreCancelCommand());

  backup.addCommand(
    listCommand({
      name: "restores",
      description: "list the restores of a dependency; an unknown dependency or backup is an error (exit 3)",
      subject: "dependency",
      options: (command) => command.option("--backup <id>", "only restores of this backup (bkp_…)").addOption(statusOption(STATUSES)),
      examples: ["berth dependency backup restores dep_3Kx…", "berth dependency backup restores app-db --project prj_shop --environment env_prod", "berth dependency backup restores dep_3Kx… --backup bkp_8Vd… -o json"],
      filter: (_client, flags: { backup?: string; status?: string }, dependencyId) => ({
        dependencyId,
        backupId: flags.backup ?? "",
        status: statusFilter(flags.status, "RESTORE_STATUS_", restoreStatusFromJSON),
      }),
      list: (client, request) => client.backup.listRestores(request),
      items: "restores",
      print: printRestoreList,
    }),
  );

  backup.addCommand(
    showCommand(RECORDS.restore, {
      name: "restore-status",
      description: "show one restore: status, bytes restored, times and what the restore does not do",
      examples: ["berth dependency backup restore-status rst_2Jp…", "berth dependency backup restore-status rst_2Jp… -o json"],
    }),
  );

  backup.addCommand(backupPolicyCommand());
  return backup;
}
