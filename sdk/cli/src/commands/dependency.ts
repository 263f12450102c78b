import { Command, Option } from "commander";
import { DATA_CLASS_NAMES, dataClassFromName, DependencySource, dependencyStatusFromJSON, ErrorReason, reasonCode } from "@berth/client";
import { CliError } from "../output.js";
import { printDeleted, printDependency, printDependencyList } from "../present.js";
import { waitForDependency } from "../wait.js";
import { dependencyBackupCommand } from "./backup.js";
import { dependencyBindingsCommand } from "./binding.js";
import { dependencyProbeCommand } from "./dependency-probe.js";
import { dependencyReadinessCommand } from "./readiness.js";
import { confirmDestructive } from "../confirm.js";
import { deleteCommand, examples, listCommand, printOrWait, provenance, recordCommand, requestId, requestIdOption, statusFilter, showCommand, statusOption, timeoutOption, withClient } from "./common.js";
import { RECORDS } from "./records.js";
import { addScopeOptions, DEPENDENCY_ARGUMENT, resolveDependency, type Scope } from "./resolve.js";


const STATUSES = ["provisioning", "ready", "failed", "deleting", "deleted"];

export function dependencyCommand(): Command {
  const dependency = new Command("dependency")
    .alias("dependencies")
    .alias("dep")
    .description("provision, import, list, show, delete and back up the databases and services apps depend on");

  dependency
    .command("provision")
    .description("create a managed dependency on a realization target (asynchronous: returns in `provisioning`)")
    .requiredOption("--kind <kind>", "a kind a provider loaded by the server declares, e.g. postgres (`berth provider list` shows them); the server needs a realization target for it")
    .requiredOption("--project <id>", "project id, e.g. prj_prod")
    .requiredOption("--environment <id>", "environment id, e.g. env_prod")
    .requiredOption("--name <name>", "unique name in the project and environment, e.g. app-db")
    .option("--target <name>", "realization target from the server's config (default: the first for the kind)", "")
    .option("--deletion-protection", "refuse deletes until turned off", false)
    .addOption(dataClassOption())
    .option("--wait", "wait until it is ready (or failed), showing progress", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      "\nExamples:\n  $ berth dependency provision --kind postgres --project prj_shop --environment env_prod --name app-db --wait\n  $ berth dependency provision --kind postgres --project prj_shop --environment env_prod --name app-db --data-class production-critical --output json",
    )
    .action(
      withClient<NewDependencyFlags & { target: string; wait: boolean; timeout: number }>(async (client, flags) => {
        const { dependency } = await client.dependency.provisionDependency({ ...newDependency(flags), realizationTarget: flags.target });
        return printOrWait(flags, dependency, printDependency, () => waitForDependency(client, dependency!.id, `provisioning ${dependency!.name} (${dependency!.id})`, flags.timeout));
      }),
    );

  dependency.addCommand(
    recordCommand({
      name: "import",
      description: "record an existing database or service from its connection URL (stored encrypted, never shown again)",
      options: (command) =>
        command
          .requiredOption("--kind <kind>", "a kind a provider loaded by the server declares, e.g. postgres (`berth provider list` shows them)")
          .requiredOption("--project <id>", "project id, e.g. prj_prod")
          .requiredOption("--environment <id>", "environment id, e.g. env_prod")
          .requiredOption("--name <name>", "unique name in the project and environment")
          .option("--connection-url <url>", "connection URL; prefer BERTH_CONNECTION_URL or --connection-url-stdin so it stays out of shell history")
          .option("--connection-url-stdin", "read the connection URL from standard input", false)
          .option(
            "--probe",
            "log in with the URL's credentials and check the database/bucket/index it names before recording it (nothing is stored if it fails); without it the dependency is recorded unverified",
            false,
          )
          .option("--deletion-protection", "refuse deletes until turned off", false)
          .addOption(dataClassOption())
          .addOption(requestIdOption()),
      examples: [
        "BERTH_CONNECTION_URL='redis://default:…@cache.internal:6379/0' berth dependency import --kind redis --project prj_shop --environment env_prod --name cache",
        "vault read -field=url secret/db | berth dependency import --kind postgres --connection-url-stdin --project prj_shop --environment env_prod --name legacy-db --probe --data-class production-critical",
      ],
      help:
        "\n\nA failed --probe exits 5 with connection_unreachable, connection_authentication_failed,\n" +
        "connection_database_missing or connection_permission_denied (see `berth dependency probe --help`).",
      run: async (client, flags: NewDependencyFlags & ConnectionUrlFlags & { probe: boolean }) => {
        const { dependency } = await client.dependency.importDependency({ ...newDependency(flags), connectionUrl: await connectionUrl(flags), probe: flags.probe });
        return dependency;
      },
      print: printDependency,
    }),
  );

  dependency.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list dependencies (connections always masked)",
      options: (command) =>
        command
          .option("--project <id>", "only this project")
          .option("--environment <id>", "only this environment")
          .option("--kind <kind>", "only this kind")
          .addOption(statusOption(STATUSES))
          .option("--show-deleted", "include deleted dependencies", false),
      filter: (_client, flags: { project?: string; environment?: string; kind?: string; status?: string; showDeleted: boolean }) => ({
        projectId: flags.project ?? "",
        environmentId: flags.environment ?? "",
        kind: flags.kind ?? "",
        status: statusFilter(flags.status, "DEPENDENCY_STATUS_", dependencyStatusFromJSON),
        showDeleted: flags.showDeleted,
      }),
      list: (client, request) => client.dependency.listDependencies(request),
      items: "dependencies",
      print: printDependencyList,
    }),
  );

  dependency.addCommand(
    showCommand(RECORDS.dependency, {
      alias: "get",
      description: "show one dependency",
      examples: ["berth dependency show dep_3Kx…", "berth dependency show app-db --project prj_shop --environment env_prod -o json"],
    }),
  );

  dependency.addCommand(
    deleteCommand({
      description: "delete a dependency: managed ones are released (database and role dropped); imported ones are only forgotten",
      subject: "dependency",
      options: (command) =>
        command
          .option(
            "--force",
            "forget a managed dependency whose realization target cannot be reached or is no longer configured, without releasing it; prints what it leaves behind on the target. Bindings, deployments and backups still block it",
            false,
          )
          .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)", false),
      examples: [
        "berth dependency delete dep_7HqK2x                     # asks you to type its name",
        "berth dependency delete app-db --project prj_shop --environment env_prod --yes",
        "berth dependency delete dep_7HqK2x --force --yes       # its target is gone: forget it, then remove what it lists by hand",
      ],
      help:
        "\n\nOn a terminal it asks you to type the dependency's name (or y). Without a terminal (CI, pipes) it\n" +
        "refuses unless --yes is given (exit 2, reason confirmation_required), changing nothing.",
      run: async (client, flags: { force: boolean; yes: boolean; requestId?: string }, id, ref) => {
        if (!flags.yes) {
          const { dependency: found } = await client.dependency.getDependency({ id });
          const managed = found!.source === DependencySource.DEPENDENCY_SOURCE_MANAGED;
          await confirmDestructive(false, {
            action: `${flags.force ? "forget" : "delete"} dependency ${found!.name} (${id})`,
            warning: !managed
              ? "An imported dependency is only forgotten; the external system is not touched."
              : flags.force
                ? "--force forgets it without releasing it: what it created on its realization target stays there."
                : `A managed dependency is released: its database and credentials are dropped on ${found!.realizationTarget || "its realization target"}.`,
            name: found!.name,
            command: `berth dependency delete ${ref}${flags.force ? " --force" : ""}`,
          });
        }
        return client.dependency.deleteDependency({ id, requestId: requestId(flags), ...(flags.force && { force: true }) });
      },
      print: ({ dependency: deleted, leftBehind }, format) => printDeleted(deleted!, leftBehind, format),
    }),
  );

  dependency.addCommand(
    recordCommand({
      name: "update",
      description: "change a dependency's settings: deletion protection, data class (give at least one)",
      subject: "dependency",
      options: (command) =>
        command
          .addOption(new Option("--deletion-protection <state>", "turn deletion protection on or off").choices(["on", "off"]))
          .addOption(new Option("--data-class <class>", "how much its data matters; decides what `berth dependency readiness` demands (unclassified clears it)").choices([...DATA_CLASS_NAMES, "unclassified"]))
          .addOption(requestIdOption()),
      examples: ["berth dependency update dep_3Kx… --data-class production-critical", "berth dependency update dep_3Kx… --deletion-protection on -o json"],
      run: async (client, flags: { deletionProtection?: "on" | "off"; dataClass?: string; requestId?: string }, id) => {
        const { dependency: updated } = await client.dependency.updateDependency({
          id,
          requestId: requestId(flags),
          deletionProtection: flags.deletionProtection === undefined ? undefined : flags.deletionProtection === "on",
          dataClass: flags.dataClass === undefined ? undefined : dataClassFromName(flags.dataClass),
        });
        return updated;
      },
      check: (flags) => {
        if (!flags.deletionProtection && !flags.dataClass) throw new CliError("nothing to change: give --deletion-protection and/or --data-class", reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT));
      },
      print: printDependency,
    }),
  );

  dependency.addCommand(
    recordCommand({
      name: "update-connection",
      description: "store a new connection secret version for an imported dependency (its password changed); bindings move to it with `resource dependency rotate-secret --latest`",
      subject: "dependency",
      options: (command) =>
        command
          .option("--connection-url <url>", "new connection URL; prefer BERTH_CONNECTION_URL or --connection-url-stdin")
          .option("--connection-url-stdin", "read the connection URL from standard input", false)
          .option("--probe", "check the host answers first", false)
          .addOption(requestIdOption()),
      help: "\nExample:\n  $ vault read -field=url secret/legacy-db | berth dependency update-connection dep_… --connection-url-stdin --probe",
      run: async (client, flags: { probe: boolean; requestId?: string } & ConnectionUrlFlags, id) => {
        const { dependency: updated } = await client.dependency.updateDependencyConnection({ id, requestId: requestId(flags), connectionUrl: await connectionUrl(flags), probe: flags.probe });
        return updated;
      },
      print: printDependency,
    }),
  );

  addScopeOptions(dependency.command("watch").description("follow a dependency's status until it settles").argument("<dependency>", DEPENDENCY_ARGUMENT), "dependency")
    .addOption(timeoutOption())
    .addHelpText("after", examples("berth dependency watch dep_3Kx…", "berth dependency watch app-db --project prj_shop --environment env_prod --timeout 120"))
    .action(
      withClient<Scope & { timeout: number }>(async (client, flags, ref) => {
        const id = await resolveDependency(client, ref, flags);
        const settled = await waitForDependency(client, id, id, flags.timeout);
        printDependency(settled.record, flags.output);
        return settled.exitCode;
      }),
    );

  dependency.addCommand(dependencyReadinessCommand());
  dependency.addCommand(dependencyProbeCommand());
  dependency.addCommand(dependencyBindingsCommand());
  dependency.addCommand(dependencyBackupCommand());
  return dependency;
}

function dataClassOption(): Option {
  return new Option("--data-class <class>", "how much its data matters; decides what `berth dependency readiness` demands (default: unclassified)").choices([...DATA_CLASS_NAMES]);
}

interface NewDependencyFlags {
  kind: string;
  project: string;
  environment: string;
  name: string;
  deletionProtection: boolean;
  dataClass?: string;
  requestId?: string;
}

/** What provision and import both send: where the new dependency lives, its name, kind and settings. */
function newDependency(flags: NewDependencyFlags) {
  return {
    requestId: requestId(flags),
    projectId: flags.project,
    environmentId: flags.environment,
    name: flags.name,
    kind: flags.kind,
    provenance,
    deletionProtection: flags.deletionProtection,
    dataClass: flags.dataClass ? dataClassFromName(flags.dataClass) : undefined,
  };
}

interface ConnectionUrlFlags {
  connectionUrl?: string;
  connectionUrlStdin: boolean;
}

/** The connection URL from standard input (--connection-url-stdin), --connection-url or BERTH_CONNECTION_URL. */
async function connectionUrl(flags: ConnectionUrlFlags): Promise<string> {
  if (!flags.connectionUrlStdin) return flags.connectionUrl ?? process.env.BERTH_CONNECTION_URL ?? "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}
