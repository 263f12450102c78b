import { Command, InvalidArgumentError } from "commander";
import { ErrorReason, reasonCode } from "@berth/client";
import { CliError } from "../output.js";
import { printBinding, printBindingList, printRotation } from "../present-binding.js";
import { listCommand, provenance, recordCommand, requestId, requestIdOption, showCommand } from "./common.js";
import { RECORDS } from "./records.js";
import { ID_ARGUMENTS, resolveDependency } from "./resolve.js";

/** The bindings of one resource or dependency, by id or name: active ones unless --include-unbound. */
function bindingsOf(parent: "resource" | "dependency", shape: { name: string; alias?: string; description: string; examples: string[] }): Command {
  return listCommand({
    ...shape,
    subject: parent,
    options: (command) => command.option("--include-unbound", "also list unbound bindings (kept for history)", false),
    filter: (_client, flags: { includeUnbound: boolean }, id) => ({
      projectId: "",
      environmentId: "",
      resourceId: parent === "resource" ? id : "",
      dependencyId: parent === "dependency" ? id : "",
      includeUnbound: flags.includeUnbound,
    }),
    list: (client, request) => client.binding.listBindings(request),
    items: "bindings",
    print: printBindingList,
  });
}

function parseVersion(value: string): number {
  const version = Number(value);
  if (!Number.isInteger(version) || version <= 0) throw new InvalidArgumentError("must be a positive whole number (the number after @ in a secret reference)");
  return version;
}

/** `berth resource dependency …`: bind a resource to the dependencies it uses. */
export function resourceDependencyCommand(): Command {
  const binding = new Command("dependency")
    .alias("dependencies")
    .alias("dep")
    .description("bind dependencies to a resource: at deploy time each connection is delivered as an environment variable");

  binding.addCommand(
    recordCommand({
      name: "bind",
      description: "deliver a dependency's connection to a resource as an env var (from the next deployment on)",
      subject: "resource",
      options: (command) =>
        command
          .requiredOption("--dependency <dep>", "dependency id (dep_…) or name, in the same project and environment as the resource (a name is looked up there)")
          .requiredOption("--target <env-var>", "environment variable the connection URL is delivered as, e.g. DATABASE_URL")
          .addOption(requestIdOption()),
      examples: [
        "berth resource dependency bind res_7Hq… --dependency dep_3Kx… --target DATABASE_URL",
        "berth resource dependency bind res_7Hq… --dependency dep_9Lm… --target REDIS_URL -o json",
        "berth resource dependency bind web --project prj_shop --environment env_prod --dependency app-db --target DATABASE_URL",
      ],
      help: "\n\nThe binding holds a secret reference (secret://dep_…/connection@N), never the secret itself.",
      run: async (client, flags: { dependency: string; target: string; requestId?: string }, resourceId) => {
        const { resource } = await client.deployment.getResource({ id: resourceId });
        // A dependency name is looked up where the resource lives: only there can it be bound.
        const dependencyId = await resolveDependency(client, flags.dependency, { project: resource!.projectId, environment: resource!.environmentId }, "--dependency");
        const { binding: bound } = await client.binding.bindDependency({
          requestId: requestId(flags),
          projectId: resource!.projectId,
          environmentId: resource!.environmentId,
          resourceId,
          dependencyId,
          targetEnvVar: flags.target,
          provenance,
        });
        return bound;
      },
      print: printBinding,
    }),
  );

  binding.addCommand(
    recordCommand({
      name: "unbind",
      description: "stop delivering a binding to new deployments (running deployments keep what they captured)",
      argument: ID_ARGUMENTS.binding,
      options: (command) => command.addOption(requestIdOption()),
      examples: ["berth resource dependency unbind bnd_4Rt…"],
      run: async (client, flags: { requestId?: string }, id) => (await client.binding.unbindDependency({ id, requestId: requestId(flags) })).binding,
      print: printBinding,
    }),
  );

  binding.addCommand(
    bindingsOf("resource", {
      name: "list",
      alias: "ls",
      description: "list the bindings of a resource (active ones unless --include-unbound); an unknown resource is an error (exit 3)",
      examples: ["berth resource dependency list res_7Hq…", "berth resource dependency list web --project prj_shop --environment env_prod", "berth resource dependency list res_7Hq… --include-unbound -o json"],
    }),
  );

  binding.addCommand(
    showCommand(RECORDS.binding, {
      alias: "get",
      description: "show one binding",
      examples: ["berth resource dependency show bnd_4Rt…"],
    }),
  );

  binding.addCommand(
    recordCommand({
      name: "rotate-secret",
      description: "move a binding to another version of its dependency's connection secret (for deployments created afterwards)",
      argument: ID_ARGUMENTS.binding,
      options: (command) =>
        command
          .option("--version <n>", "pin this secret version (the number after @ in secret://dep_…/connection@N)", parseVersion)
          .option("--latest", "move to the dependency's current secret version", false)
          .addOption(requestIdOption())
          .hook("preAction", (self) => {
            const { version, latest } = self.opts<{ version?: number; latest: boolean }>();
            if ((version === undefined) === !latest) throw new CliError("pass exactly one of --version N or --latest", reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT));
          }),
      examples: ["berth resource dependency rotate-secret bnd_4Rt… --latest", "berth resource dependency rotate-secret bnd_4Rt… --version 2   # pin (or roll back to) version 2"],
      help: "\n\nExactly one of --version or --latest. Running workloads and past deployment snapshots keep the\nreference they captured: create a new deployment to deliver the new version.",
      run: (client, flags: { version?: number; latest: boolean; requestId?: string }, id) =>
        client.binding.rotateBindingSecret({
          id,
          requestId: requestId(flags),
          ...(flags.version !== undefined ? { version: flags.version } : { latest: true }),
        }),
      print: printRotation,
    }),
  );

  return binding;
}

/** `berth dependency bindings DEP_ID`: which resources receive this dependency. */
export function dependencyBindingsCommand(): Command {
  return bindingsOf("dependency", {
    name: "bindings",
    description: "list the bindings of a dependency: the resources that receive its connection; an unknown dependency is an error (exit 3)",
    examples: ["berth dependency bindings dep_3Kx…", "berth dependency bindings app-db --project prj_shop --environment env_prod", "berth dependency bindings dep_3Kx… --include-unbound -o json"],
  });
}
