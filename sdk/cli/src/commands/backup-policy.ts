import { Command, InvalidArgumentError } from "commander";
import { type BackupPolicy, backupAttemptOutcomeToJSON, ErrorReason, type BackupAttempt as Attempt, plainJson, reasonCode } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { age, CliError, printFields, printJson, printTable, type OutputFormat } from "../output.js";
import { examples, recordCommand, requestId, requestIdOption, withClient } from "./common.js";
import { addScopeOptions, DEPENDENCY_ARGUMENT, resolveDependency, type Scope } from "./resolve.js";


function positiveInt(label: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`must be a whole number of ${label}, at least 1`);
    return n;
  };
}

const outcomeName = (a: Attempt) => backupAttemptOutcomeToJSON(a.outcome).replace("BACKUP_ATTEMPT_OUTCOME_", "").toLowerCase();

/** "24 h", "90 min": minutes only when the interval is not whole hours. */
function every(policy: BackupPolicy, short = false): string {
  const minutes = policy.intervalMinutes || policy.intervalHours * 60;
  if (minutes % 60 === 0) return short ? `${minutes / 60}h` : `${minutes / 60} h`;
  return short ? `${minutes}m` : `${minutes} min`;
}

/** "yes", "no", or "no (dependency dep_… was deleted; …)" when Berth disabled it. */
function enabledText(policy: BackupPolicy, short = false): string {
  if (policy.enabled) return "yes";
  if (!policy.disabledReason) return "no";
  return short ? "no (dependency deleted)" : `no (${policy.disabledReason})`;
}

/** A policy as configure and show answer it: with whether this server runs the scheduler. */
function printPolicy({ policy: found, schedulerEnabled }: { policy?: BackupPolicy; schedulerEnabled: boolean }, format: OutputFormat): void {
  const policy = found!;
  if (format === "json") return printJson({ ...plainJson("berth.backup.v1.BackupPolicy", policy) as object, schedulerEnabled });
  const last = policy.lastAttempt;
  printFields([
    ["id", policy.id],
    ["dependency", policy.dependencyId],
    ["every", every(policy)],
    ["retention", `${policy.retentionDays} d`],
    ["retry on failure", policy.retryOnFailure ? "yes (backoff 5, 10, 20 … min)" : "no"],
    ["restore drills", policy.verifyEvery > 0 ? (policy.verifyEvery === 1 ? "every scheduled backup" : `every ${policy.verifyEvery}th scheduled backup`) : "none"],
    ["enabled", enabledText(policy)],
    ["next run", policy.nextRunTime ?? "-"],
    ["last attempt", last ? `${outcomeName(last)} ${last.backupId || ""} ${last.reason ? `(${last.reason})` : ""}`.trim() : "-"],
    ["scheduler", schedulerEnabled ? "enabled on this server" : "NOT enabled on this server: policies run only where `--enable-backup-scheduler` is set"],
  ]);
}

const POLICY_ID = /^dbp_[A-Za-z0-9]+$/;

const POLICY_OR_DEPENDENCY = "policy id (dbp_…), or dependency id (dep_…) or name (a name needs --project and --environment)";

/** `berth dependency backup policy …`: scheduled backups. */
export function backupPolicyCommand(): Command {
  const policy = new Command("policy").alias("policies").description("scheduled backups of a dependency: interval, retention, retry (they run where the scheduler is enabled)");

  policy.addCommand(
    recordCommand({
      name: "configure",
      description: "create or replace the backup policy of a dependency",
      subject: "dependency",
      options: (command) =>
        command
          .option("--interval-hours <h>", "hours between backups (1 to 8784)", positiveInt("hours"))
          .option("--interval-minutes <m>", "minutes between backups instead of hours (at least 1), e.g. to try a policy out", positiveInt("minutes"))
          .requiredOption("--retention-days <d>", "days each scheduled backup is kept", positiveInt("days"))
          .option("--retry-on-failure", "retry a failed run with backoff instead of waiting for the next interval", false)
          .option("--disable", "keep the policy but stop running it", false)
          .option("--verify-every <n>", "run a restore drill (berth dependency backup verify) for every Nth succeeded scheduled backup; 0 turns drills off", nonNegativeInt)
          .addOption(requestIdOption()),
      examples: [
        "berth dependency backup policy configure dep_3Kx… --interval-hours 24 --retention-days 7 --retry-on-failure",
        "berth dependency backup policy configure dep_3Kx… --interval-hours 24 --retention-days 7 --verify-every 1",
        "berth dependency backup policy configure dep_3Kx… --interval-minutes 5 --retention-days 1   # try it out",
      ],
      help: "\n\nGive --interval-hours or --interval-minutes (the shortest interval is 1 minute; the scheduler looks for due\npolicies every 30 s). A policy whose dependency was deleted is disabled and says so.",
      run: async (client, flags: { intervalHours?: number; intervalMinutes?: number; retentionDays: number; retryOnFailure: boolean; disable: boolean; verifyEvery?: number; requestId?: string }, dependencyId) =>
        client.backup.configureBackupPolicy({
          requestId: requestId(flags),
          dependencyId,
          intervalHours: flags.intervalHours ?? 0,
          intervalMinutes: flags.intervalMinutes,
          retentionDays: flags.retentionDays,
          retryOnFailure: flags.retryOnFailure,
          enabled: !flags.disable,
          verifyEvery: flags.verifyEvery,
        }),
      check: (flags) => {
        if ((flags.intervalHours === undefined) === (flags.intervalMinutes === undefined)) {
          throw new CliError("give one of --interval-hours or --interval-minutes", reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT));
        }
      },
      print: printPolicy,
    }),
  );

  policy.addCommand(
    recordCommand({
      name: "show",
      description: "show a policy (by dbp_… id, or by its dependency's id or name) with its last attempt",
      argument: ["<policy-or-dependency>", POLICY_OR_DEPENDENCY],
      scope: "dependency",
      examples: ["berth dependency backup policy show dbp_6Tw…", "berth dependency backup policy show dep_3Kx…", "berth dependency backup policy show app-db --project prj_shop --environment env_prod -o json"],
      run: async (client, flags: Scope, ref) =>
        client.backup.getBackupPolicy(POLICY_ID.test(ref) ? { id: ref, dependencyId: "" } : { id: "", dependencyId: await resolveDependency(client, ref, flags) }),
      print: printPolicy,
    }),
  );

  addScopeOptions(
    policy
      .command("list")
      .alias("ls")
      .description("list backup policies: all of them, or one dependency's (an unknown dependency is an error, exit 3)")
      .argument("[dependency]", DEPENDENCY_ARGUMENT)
      .option("--dependency <dep>", "only this dependency's (the same as the positional argument)")
      .option("--enabled-only", "only enabled policies", false),
    "dependency",
  )
    .addHelpText("after", examples("berth dependency backup policy list", "berth dependency backup policy list dep_3Kx…", "berth dependency backup policy list app-db --project prj_shop --environment env_prod -o json", "berth dependency backup policy list --enabled-only"))
    .action(
      withClient<Scope & { dependency?: string; enabledOnly: boolean }>(async (client, flags, positional) => {
        if (positional && flags.dependency && positional !== flags.dependency) {
          throw new CliError(`two dependencies given (${positional} and --dependency ${flags.dependency}): pass one`, "invalid_argument");
        }
        const ref = positional ?? flags.dependency;
        const dependencyId = ref ? await resolveDependency(client, ref, flags) : "";
        const { policies, nextPageToken } = await client.backup.listBackupPolicies({ dependencyId, enabledOnly: flags.enabledOnly, pageSize: 500, pageToken: "" });
        if (flags.output === "json") printJson({ items: policies.map((p) => plainJson("berth.backup.v1.BackupPolicy", p)), nextPageToken });
        else
          printTable(
            ["ID", "DEPENDENCY", "EVERY", "RETENTION", "RETRY", "ENABLED", "NEXT RUN", "LAST"],
            policies.map((p) => [p.id, p.dependencyId, every(p, true), `${p.retentionDays}d`, p.retryOnFailure ? "yes" : "no", enabledText(p, true), p.nextRunTime ?? "-", p.lastAttempt ? outcomeName(p.lastAttempt) : "-"]),
          );
        return EXIT.ok;
      }),
    );

  addScopeOptions(
    policy
      .command("attempts")
      .description("the run history of a policy: start, end, outcome and safe reason of each scheduled run; an unknown policy or dependency is an error (exit 3)")
      .argument("<policy-or-dependency>", POLICY_OR_DEPENDENCY),
    "dependency",
  )
    .addHelpText("after", examples("berth dependency backup policy attempts dbp_6Tw…", "berth dependency backup policy attempts dep_3Kx… -o json"))
    .action(
      withClient<Scope>(async (client, flags, ref) => {
        const filter = POLICY_ID.test(ref) ? { policyId: ref, dependencyId: "" } : { policyId: "", dependencyId: await resolveDependency(client, ref, flags) };
        const { attempts, nextPageToken } = await client.backup.listBackupAttempts({ ...filter, outcome: 0, pageSize: 500, pageToken: "" });
        if (flags.output === "json") printJson({ items: attempts.map((a) => plainJson("berth.backup.v1.BackupAttempt", a)), nextPageToken });
        else printTable(["ATTEMPT", "BACKUP", "OUTCOME", "STARTED", "REASON"], attempts.map((a) => [a.id, a.backupId || "-", outcomeName(a), age(a.startTime), a.reason || ""]));
        return EXIT.ok;
      }),
    );
  return policy;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new InvalidArgumentError("must be a whole number from 0 to 1000");
  return n;
}
