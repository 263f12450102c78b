import { ErrorReason, reasonCode, type BerthClient } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { CliError } from "../output.js";

const RESOURCE_ID = /^res_[A-Za-z0-9]+$/;
const SERVER_ID = /^srv_[A-Za-z0-9]+$/;

/**
 * Turns --resource (an id, res_…, or a name) into an id. Names are unique only
 * within a project and environment, so a name needs both.
 */
export async function resolveResource(client: BerthClient, ref: string, scope: { project?: string; environment?: string }): Promise<string> {
  if (RESOURCE_ID.test(ref)) return ref;
  if (!scope.project || !scope.environment) {
    throw new CliError(
      `--resource ${ref} is a name: also pass --project and --environment (names are unique per project and environment), or pass the resource id (res_…)`,
      reasonCode(ErrorReason.ERROR_REASON_INVALID_ARGUMENT),
      EXIT.usage,
    );
  }
  const { resources } = await client.deployment.listResources({ projectId: scope.project, environmentId: scope.environment, name: ref, pageSize: 1, pageToken: "" });
  if (resources.length === 0) {
    throw new CliError(
      `no resource named ${ref} in ${scope.project}/${scope.environment} (see \`berth resource list --project ${scope.project} --environment ${scope.environment}\`)`,
      reasonCode(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND),
      EXIT.notFound,
    );
  }
  return resources[0].id;
}

/** Turns --server (an id, srv_…, or a name) into an id. */
export async function resolveServer(client: BerthClient, ref: string): Promise<string> {
  if (SERVER_ID.test(ref)) return ref;
  const { runtimeTargets } = await client.deployment.listRuntimeTargets({ kind: "", name: ref, pageSize: 1, pageToken: "" });
  if (runtimeTargets.length === 0) {
    throw new CliError(`no server named ${ref} (see \`berth server list\`)`, reasonCode(ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND), EXIT.notFound);
  }
  return runtimeTargets[0].id;
}
