import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { Command, Option } from "commander";
import { enumWord, ErrorReason, reasonCode } from "@berth/client";
import type { BerthConfig, CleanupResult, DeployResult } from "@berth/deploy";

// berth.yaml parsing and the reconcile library load only for `deploy` and `preview cleanup`.
const deployLibrary = () => import("@berth/deploy");
import { EXIT, exitCodeForReason } from "../exit-codes.js";
import { CliError, printJson, printTable } from "../output.js";
import { waitForDeployment } from "../wait.js";
import { confirmDestructive } from "../confirm.js";
import { examples, parseTimeout, withClient } from "./common.js";

const PREVIEW_ID = /^[a-z0-9][a-z0-9-]{0,30}$/;

interface ScopeFlags {
  project: string;
  environment: string;
  preview?: string;
  config: string;
  repository?: string;
  dryRun: boolean;
}

function scopeOptions(command: Command): Command {
  return command
    .requiredOption("--project <id>", "project id, e.g. prj_shop")
    .requiredOption("--environment <id>", "environment id, e.g. env_staging")
    .option("--preview <id>", 'preview id, e.g. pr-42: names get a "-pr-42" suffix and records remember the preview')
    .option("-f, --config <file>", "the repository config", "berth.yaml")
    .addOption(
      new Option("--repository <name>", "repository recorded in provenance, e.g. github.com/acme/shop (default: $GITHUB_REPOSITORY on GitHub Actions)").default(
        process.env.GITHUB_REPOSITORY ? `github.com/${process.env.GITHUB_REPOSITORY}` : undefined,
      ),
    )
    .option("--dry-run", "print the changes without making them", false);
}

/**
 * berth.yaml, or a usage error listing every problem with its line, column and reason.
 * `kinds`: the server's dependency kinds, to check each declared kind against.
 */
async function readConfig(flags: ScopeFlags, kinds?: readonly string[]): Promise<BerthConfig> {
  if (flags.preview !== undefined && !PREVIEW_ID.test(flags.preview)) {
    throw new CliError("--preview must be 1-31 lowercase letters, digits and dashes, e.g. pr-42", reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT));
  }
  const { loadBerthConfig, BerthConfigError } = await deployLibrary();
  const candidates = configCandidates(flags.config);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    const looked = candidates.map((path) => `  ${path}`).join("\n");
    throw new CliError(`${flags.config} not found; looked for:\n${looked}\n(pass --config PATH)`, reasonCode(ErrorReason.ERROR_REASON_CONFIG_INVALID));
  }
  // Later messages name the file that was read.
  flags.config = found;
  try {
    return await loadBerthConfig(found, { kinds });
  } catch (error) {
    if (error instanceof BerthConfigError) {
      const reason = error.problems.some((p) => p.reason === "config_secret_value_forbidden") ? "config_secret_value_forbidden" : "config_invalid";
      throw new CliError(error.message, reason);
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError(`${flags.config} not found (pass --config PATH)`, reasonCode(ErrorReason.ERROR_REASON_CONFIG_INVALID));
    }
    throw error;
  }
}

/**
 * Where a relative --config (default berth.yaml) may be, first match wins: the
 * directory the user ran the command from, then the working directory. Through
 * a package script (`pnpm -C ../berth berth deploy`, or `pnpm berth deploy` in a
 * subdirectory) pnpm and npm run the CLI in the workspace root and pass the
 * user's directory as INIT_CWD.
 */
function configCandidates(path: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  if (isAbsolute(path)) return [path];
  const invokedFrom = env.npm_lifecycle_event && env.INIT_CWD ? env.INIT_CWD : undefined;
  return [...new Set([invokedFrom, cwd].filter((dir): dir is string => Boolean(dir)).map((dir) => resolve(dir, path)))];
}

function target(flags: ScopeFlags) {
  return { projectId: flags.project, environmentId: flags.environment, preview: flags.preview, repository: flags.repository, actor: process.env.GITHUB_ACTOR ?? process.env.USER ?? "" };
}

function deployFailure(error: unknown, DeployError: Awaited<ReturnType<typeof deployLibrary>>["DeployError"]): never {
  if (error instanceof DeployError) {
    // The reason table decides the exit code, as it does for the same reason from the server.
    throw new CliError(error.message, error.reason);
  }
  throw error;
}

const SUBJECT_LABEL: Record<string, [string, string]> = {
  resource: ["resource", "resources"],
  dependency: ["dependency", "dependencies"],
  binding: ["binding", "bindings"],
  "backup-policy": ["backup policy", "backup policies"],
  deployment: ["deployment", "deployments"],
};

function printDeployResult(result: DeployResult, flags: ScopeFlags): void {
  if (result.changes.length === 0) {
    const counts = new Map<string, number>();
    for (const kept of result.unchanged) counts.set(kept.subject, (counts.get(kept.subject) ?? 0) + 1);
    const what = [...counts].map(([subject, n]) => `${n} ${SUBJECT_LABEL[subject][n === 1 ? 0 : 1]}`).join(", ");
    process.stdout.write(`No changes: ${flags.config} is already deployed (${what} up to date).\n`);
    return;
  }
  const verb = result.dryRun ? "would make" : "made";
  process.stdout.write(`${result.dryRun ? "Dry run: " : ""}${verb} ${result.changes.length} change${result.changes.length === 1 ? "" : "s"}; ${result.unchanged.length} already up to date.\n`);
  if (result.dryRun) process.stdout.write("Nothing was changed. Run without --dry-run to apply.\n");
}

export function deployCommand(): Command {
  return scopeOptions(
    new Command("deploy")
      .description("make an environment match berth.yaml: provision, bind, set backup policies, then deploy (safe to re-run)")
      .requiredOption("--server <srv>", "server (runtime target) id (srv_…) or name the resource runs on"),
  )
    .option("--no-wait", "return once the deployment is created instead of waiting until it runs")
    .addOption(
      new Option("--timeout <seconds>", "stop waiting for each dependency to be ready, and then for the deployment to run, after this many seconds (the work goes on)")
        .argParser(parseTimeout)
        .default(600_000, "600"),
    )
    .addHelpText(
      "after",
      examples(
        "berth deploy --project prj_shop --environment env_staging --server local",
        "berth deploy --project prj_shop --environment env_staging --server local --dry-run",
        "berth deploy --project prj_shop --environment env_preview --server local --preview pr-42 -o json",
      ) +
        "\n\nIn order: the resource (created from berth.yaml's run block if missing), each managed dependency\n" +
        "(provisioned when none of that name exists; with seedFrom: NAME, restored from NAME's newest verified\n" +
        "backup instead), the bindings to the env vars berth.yaml names, backup\n" +
        "policies (created, updated or disabled; deploy never runs a backup), then one deployment; the resource's\n" +
        "previous deployment is stopped first. A second run changes nothing and says so; a run that was\n" +
        "interrupted finishes the work when started again.\n\n" +
        "The plan is computed once, before the first change, and checked there: names, the server and what\n" +
        "it can deliver (secrets, each kind, free env var names), a provider and a realization target for\n" +
        "each kind to provision, the state of existing dependencies. --dry-run prints that same plan, so it\n" +
        "fails where the real run would (same reason code, exit 5 or 3), and a refused run changes nothing.\n\n" +
        "A relative --config is looked for in the directory you ran the command from (under `pnpm -C DIR berth …`,\n" +
        "pnpm's INIT_CWD), then in the working directory; when none exists the error lists where it looked.",
    )
    .action(
      withClient<ScopeFlags & { server: string; wait: boolean; timeout: number }>(async (client, flags) => {
        const { deploy, DeployError, serverDependencyKinds } = await deployLibrary();
        // Kinds come from the server's loaded providers, so a plugin's kind is as good as a built-in one.
        const config = await readConfig(flags, await serverDependencyKinds(client));
        const json = flags.output === "json";
        const result = await deploy(config, {
          ...target(flags),
          client,
          server: flags.server,
          dryRun: flags.dryRun,
          readyTimeoutMs: flags.timeout,
          onChange: json ? undefined : (change) => process.stdout.write(`${flags.dryRun ? "~" : "+"} ${change.summary}${change.id && !change.summary.includes(change.id) ? ` (${change.id})` : ""}\n`),
          onProgress: json ? undefined : (message) => process.stderr.write(`  … ${message}\n`),
        }).catch((error: unknown) => deployFailure(error, DeployError));
        let exitCode: number = EXIT.ok;
        let deploymentStatus: string | undefined;
        // Also a kept deployment: a resumed run may find the one it created still starting.
        if (result.deploymentId && flags.wait && !flags.dryRun) {
          const settled = await waitForDeployment(client, result.deploymentId, `deploying ${scopedResource(config, flags)} (${result.deploymentId})`, flags.timeout);
          exitCode = settled.exitCode;
          deploymentStatus = enumWord("berth.deployment.v1.DeploymentStatus", settled.record.status);
        }
        if (json) printJson({ ...result, deploymentStatus });
        else printDeployResult(result, flags);
        return exitCode;
      }),
    );
}

function scopedResource(config: BerthConfig, flags: ScopeFlags): string {
  return flags.preview ? `${config.resource}-${flags.preview}` : config.resource;
}

function printCleanup(result: CleanupResult): void {
  const rows = [
    ...result.removed.map((item) => [result.dryRun ? "would remove" : "removed", item.subject, item.name, item.id, item.reason]),
    ...result.kept.map((item) => ["kept", item.subject, item.name, item.id, item.reason]),
  ];
  if (rows.length === 0) {
    process.stdout.write("Nothing to clean up: no records of this preview.\n");
    return;
  }
  printTable(["RESULT", "KIND", "NAME", "ID", "WHY"], rows);
  if (result.dryRun) process.stdout.write("Dry run: nothing was changed.\n");
}

export function previewCommand(): Command {
  const preview = new Command("preview").description("ephemeral pull-request previews deployed from berth.yaml");
  scopeOptions(preview.command("cleanup").description("remove a preview: stop it, unbind it, delete only the dependencies created for it"))
    .option("--delete-backups", "also delete the backups of the preview's own dependencies (otherwise they block its delete)", false)
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal; not needed with --dry-run)", false)
    .addHelpText(
      "after",
      examples(
        "berth preview cleanup --project prj_shop --environment env_preview --preview pr-42            # asks you to type pr-42",
        "berth preview cleanup --project prj_shop --environment env_preview --preview pr-42 --yes",
        "berth preview cleanup --project prj_shop --environment env_preview --preview pr-42 --dry-run -o json",
      ) +
        "\n\nOnly dependencies whose provenance proves they were created from repository config for this preview\n" +
        "are deleted. Shared, manually created or bound, imported and other previews' dependencies are kept, and\n" +
        "the output says why. Needs `preview.lifecycle: ephemeral` in berth.yaml. Safe to re-run. Pass the same\n" +
        "--repository as deploy did (on GitHub Actions both default to $GITHUB_REPOSITORY).\n\n" +
        "Before the first change, each of the preview's own dependencies is checked the way its delete would\n" +
        "be: retained backups (without --delete-backups), bindings or deployments from outside the preview,\n" +
        "deletion protection, a restore in progress. If any would refuse, nothing is changed and the command\n" +
        "exits 5 with reason dependency_delete_blocked, naming each one and what to do; --dry-run reports the\n" +
        "same refusal.\n" +
        "On a terminal it asks you to type the preview id (or y); without one it refuses unless --yes is given\n" +
        "(exit 2, reason confirmation_required), changing nothing. --dry-run needs no confirmation.",
    )
    .action(
      withClient<ScopeFlags & { deleteBackups: boolean; yes: boolean }>(async (client, flags) => {
        if (!flags.preview) throw new CliError("--preview is required, e.g. --preview pr-42", reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT));
        const config = await readConfig(flags);
        if (config.preview?.lifecycle !== "ephemeral") {
          throw new CliError(
            `${flags.config} does not declare preview.lifecycle: ephemeral, so its previews are kept; nothing was changed`,
            reasonCode(ErrorReason.ERROR_REASON_PREVIEW_NOT_EPHEMERAL)
          );
        }
        if (!flags.dryRun) {
          await confirmDestructive(flags.yes, {
            action: `remove preview ${flags.preview} of ${flags.project}/${flags.environment} (stop its deployment, unbind it, delete its own dependencies${flags.deleteBackups ? " and their backups" : ""})`,
            name: flags.preview,
            command: `berth preview cleanup --project ${flags.project} --environment ${flags.environment} --preview ${flags.preview}`,
          });
        }
        const { cleanupPreview, DeployError } = await deployLibrary();
        const result = await cleanupPreview({
          ...target(flags),
          preview: flags.preview,
          client,
          dryRun: flags.dryRun,
          deleteBackups: flags.deleteBackups,
          onProgress: flags.output === "json" ? undefined : (message) => process.stderr.write(`  … ${message}\n`),
        }).catch((error: unknown) => deployFailure(error, DeployError));
        if (flags.output === "json") printJson(result);
        else printCleanup(result);
        if (result.incomplete) {
          process.stderr.write("error: some of the preview's own dependencies were refused at delete although the plan found nothing blocking them (see above); run the cleanup again [dependency_delete_blocked]\n");
          return exitCodeForReason(reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_DELETE_BLOCKED));
        }
        return EXIT.ok;
      }),
    );
  return preview;
}
