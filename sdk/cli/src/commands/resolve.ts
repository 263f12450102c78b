import { Command } from "commander";
import { ErrorReason, reasonCode, type BerthClient } from "@berth/client";
import { CliError } from "../output.js";

/**
 * Every command that takes a dependency, resource or server accepts its id or
 * its name. Dependency and resource names are unique only within a project and
 * environment, so a name is looked up in --project/--environment; servers are
 * global. An unknown name is NOT_FOUND (exit 3) with the owner's reason, naming
 * what was looked for and where.
 */
export interface Scope {
  project?: string;
  environment?: string;
}

/** The positional of a command on one dependency, by id or name. */
export const DEPENDENCY_ARGUMENT = "dependency id (dep_…) or name (a name needs --project and --environment)";

/** The positional of a command on one resource, by id or name. */
export const RESOURCE_ARGUMENT = "resource id (res_…) or name (a name needs --project and --environment)";

const DEPENDENCY_ID = /^dep_[A-Za-z0-9]+$/;
const RESOURCE_ID = /^res_[A-Za-z0-9]+$/;
const SERVER_ID = /^srv_[A-Za-z0-9]+$/;

/** --project/--environment for commands that take a dependency or resource by name. */
export function addScopeOptions(command: Command, noun: "dependency" | "resource"): Command {
  return command
    .option("--project <id>", `project of the ${noun}, when it is given by name`)
    .option("--environment <id>", `environment of the ${noun}, when it is given by name`);
}

function needsScope(noun: string, ref: string, label: string, idForm: string): CliError {
  return new CliError(
    `${label} ${ref} is a ${noun} name: also pass --project and --environment (${noun} names are unique per project and environment), or pass the ${noun} id (${idForm})`,
    reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT)
  );
}

/** A dependency id (dep_…) as given, or the id of the dependency with that name in the scope. */
export async function resolveDependency(client: BerthClient, ref: string, scope: Scope, label = "dependency"): Promise<string> {
  if (DEPENDENCY_ID.test(ref)) return ref;
  if (!scope.project || !scope.environment) throw needsScope("dependency", ref, label, "dep_…");
  const { dependencies } = await client.dependency.listDependencies({
    projectId: scope.project,
    environmentId: scope.environment,
    kind: "",
    status: 0,
    name: ref,
    pageSize: 1,
    pageToken: "",
    showDeleted: false,
  });
  if (dependencies.length === 0) {
    throw new CliError(
      `no dependency named ${ref} in ${scope.project}/${scope.environment} (see \`berth dependency list --project ${scope.project} --environment ${scope.environment}\`)`,
      reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND)
    );
  }
  return dependencies[0].id;
}

/** A resource id (res_…) as given, or the id of the resource with that name in the scope. */
export async function resolveResource(client: BerthClient, ref: string, scope: Scope, label = "--resource"): Promise<string> {
  if (RESOURCE_ID.test(ref)) return ref;
  if (!scope.project || !scope.environment) throw needsScope("resource", ref, label, "res_…");
  const { resources } = await client.deployment.listResources({ projectId: scope.project, environmentId: scope.environment, name: ref, pageSize: 1, pageToken: "" });
  if (resources.length === 0) {
    throw new CliError(
      `no resource named ${ref} in ${scope.project}/${scope.environment} (see \`berth resource list --project ${scope.project} --environment ${scope.environment}\`)`,
      reasonCode(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND)
    );
  }
  return resources[0].id;
}

/** A server (runtime target) id (srv_…) as given, or the id of the server with that name. */
export async function resolveServer(client: BerthClient, ref: string): Promise<string> {
  if (SERVER_ID.test(ref)) return ref;
  const { runtimeTargets } = await client.deployment.listRuntimeTargets({ kind: "", name: ref, pageSize: 1, pageToken: "" });
  if (runtimeTargets.length === 0) {
    throw new CliError(`no server named ${ref} (see \`berth server list\`)`, reasonCode(ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND));
  }
  return runtimeTargets[0].id;
}

/** What a command's positional names, by id or name. */
export type Subject = "dependency" | "resource" | "server";

const SUBJECTS: Record<Subject, { argument: [string, string]; scope?: "dependency" | "resource"; resolve: (client: BerthClient, ref: string, scope: Scope) => Promise<string> }> = {
  dependency: { argument: ["<dependency>", DEPENDENCY_ARGUMENT], scope: "dependency", resolve: (client, ref, scope) => resolveDependency(client, ref, scope) },
  resource: { argument: ["<resource>", RESOURCE_ARGUMENT], scope: "resource", resolve: (client, ref, scope) => resolveResource(client, ref, scope, "resource") },
  server: { argument: ["<server>", "server id (srv_…) or name"], resolve: (client, ref) => resolveServer(client, ref) },
};

/** The positional of a record that is named by its id only: [name, description]. */
export const ID_ARGUMENTS: Record<"backup" | "restore" | "drill" | "binding" | "deployment" | "token", [string, string]> = {
  backup: ["<backup-id>", "backup id (bkp_…)"],
  restore: ["<restore-id>", "restore id (rst_…)"],
  drill: ["<drill-id>", "drill id (drl_…)"],
  binding: ["<binding-id>", "binding id (bnd_…)"],
  deployment: ["<id>", "deployment id (dpl_…)"],
  token: ["<id>", "token id (btk_…)"],
};

/** The positional of a command on one subject, and the options a name needs (servers need none). */
export function subjectArgument(subject: Subject): { argument: [string, string]; scope?: "dependency" | "resource" } {
  return SUBJECTS[subject];
}

/** The subject's id: as given, or looked up by name (in --project/--environment for a dependency or resource). */
export function resolveSubject(client: BerthClient, subject: Subject, ref: string, scope: Scope): Promise<string> {
  return SUBJECTS[subject].resolve(client, ref, scope);
}
