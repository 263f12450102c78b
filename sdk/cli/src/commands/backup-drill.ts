import { Command, InvalidArgumentError } from "commander";
import { printDrill, printDrillList } from "../present-drill.js";
import { waitForDrill } from "../wait.js";
import { examples, listCommand, printOrWait, requestId, requestIdOption, showCommand, timeoutOption, withClient } from "./common.js";
import { RECORDS } from "./records.js";

const DRILL_HELP =
  "\n\nA drill proves a backup restores. Berth provisions a scratch dependency of the same kind on a\n" +
  "realization target (its own database and credentials, in environment env_berth_drills; the source is\n" +
  "never touched), restores the backup into it, compares every count of the backup's manifest with the\n" +
  "restored content, and — with --check-command — runs your command as a real process (`sh -c`) with the\n" +
  "scratch connection URL in $DATABASE_URL (or --check-env NAME), e.g. your migrations and a smoke query.\n" +
  "The scratch dependency is released whatever happens, also after a crash. The drill records each check\n" +
  "(expected, actual), the outcome and one reason on failure; the command's output is kept with every\n" +
  "secret masked. The check command runs on the Berth server host, as the user Berth runs as.\n" +
  "Exit codes: 0 passed, 1 failed (with --wait), 3 unknown backup, 5 not a succeeded native backup.";

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError("must be 1 to 3600 seconds");
  return n;
}

interface VerifyFlags {
  checkCommand?: string;
  checkEnv?: string;
  checkTimeout?: number;
  wait: boolean;
  timeout: number;
  requestId?: string;
}

export function verifyCommand(): Command {
  return new Command("verify")
    .description("prove a backup restores: restore it into a scratch dependency, compare with its manifest, run your check, release it")
    .argument("<backup-id>", "backup id (bkp_…) of a succeeded native backup")
    .option("--check-command <command>", "run after the restore with the scratch connection in $DATABASE_URL; exit 0 passes")
    .option("--check-env <name>", "deliver the scratch connection URL in this variable instead of DATABASE_URL")
    .option("--check-timeout <seconds>", "stop and fail the check command after this long (default 300)", seconds)
    .option("--wait", "wait until the drill passes or fails", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      examples(
        "berth dependency backup verify bkp_8Vd… --wait",
        "berth dependency backup verify bkp_8Vd… --check-command 'npm run migrate && psql \"$DATABASE_URL\" -c \"select count(*) from orders\"' --wait",
        "berth dependency backup verify bkp_8Vd… -o json",
      ) + DRILL_HELP,
    )
    .action(
      withClient<VerifyFlags>(async (client, flags, backupId) => {
        const { drill } = await client.backup.verifyBackup({
          requestId: requestId(flags),
          backupId,
          checkCommand: flags.checkCommand,
          checkEnv: flags.checkEnv,
          checkTimeoutSeconds: flags.checkTimeout,
        });
        return printOrWait(flags, drill, printDrill, () => waitForDrill(client, drill!.id, `verifying ${backupId} (${drill!.id})`, flags.timeout));
      }),
    );
}

export function drillsCommand(): Command {
  return listCommand({
    name: "drills",
    description: "list the restore drills of a dependency's backups, oldest first; an unknown dependency is an error (exit 3)",
    subject: "dependency",
    examples: ["berth dependency backup drills dep_3Kx…", "berth dependency backup drills app-db --project prj_shop --environment env_prod -o json"],
    filter: (_client, _flags, dependencyId) => ({ dependencyId }),
    list: (client, request) => client.backup.listDrills(request),
    items: "drills",
    print: printDrillList,
  });
}

export function drillStatusCommand(): Command {
  return showCommand(RECORDS.drill, {
    name: "drill-status",
    description: "show one drill: each check with expected and actual values, outcome, the check's masked output",
    examples: ["berth dependency backup drill-status drl_5Qa…", "berth dependency backup drill-status drl_5Qa… -o json"],
  });
}
