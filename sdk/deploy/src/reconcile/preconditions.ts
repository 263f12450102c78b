import type { Binding, BerthClient, Resource, RuntimeTarget } from "@berth/client";
import { orUndefined } from "./client-helpers.js";
import { DeployError, REASON } from "./deploy-error.js";
import type { DeployConfig } from "./deploy-plan.js";
import { scopedName } from "./types.js";

/** Scoped names must be valid before anything is written, or a deploy would stop halfway. */
export function checkNames(config: DeployConfig, preview: string | undefined): void {
  const names = [config.resource, ...Object.entries(config.dependencies).filter(([, d]) => d.source === "managed").map(([key]) => key)];
  for (const base of names) {
    const name = scopedName(base, preview);
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || name.endsWith("-")) {
      throw new DeployError(
        REASON.configInvalid,
        `${name} is not a valid name (1-63 lowercase letters, digits and dashes, starting with a letter, not ending with a dash)${preview ? "; use a shorter --preview" : ""}`,
      );
    }
  }
}

/** The server (runtime target) by id or name, or runtime_target_not_found. */
export async function resolveServer(client: BerthClient, ref: string): Promise<RuntimeTarget> {
  const found = /^srv_[A-Za-z0-9]+$/.test(ref)
    ? (await orUndefined(client.deployment.getRuntimeTarget({ id: ref })))?.runtimeTarget
    : (await client.deployment.listRuntimeTargets({ kind: "", name: ref, pageSize: 1, pageToken: "" })).runtimeTargets[0];
  if (!found) throw new DeployError(REASON.runtimeTargetNotFound, `no server ${/^srv_/.test(ref) ? "" : "named "}${ref} (see \`berth server list\`)`);
  return found;
}

/**
 * The dependency kinds the server's loaded providers declare, built-in and
 * plugins', in the server's order: what a berth.yaml may declare there.
 *
 * @example
 * const config = await loadBerthConfig("berth.yaml", { kinds: await serverDependencyKinds(client) });
 */
export async function serverDependencyKinds(client: BerthClient): Promise<string[]> {
  const { providers } = await client.providers.listProviders({ kind: "", pageSize: 0, pageToken: "" });
  return [...new Set(providers.flatMap((p) => p.kinds))];
}

/**
 * Each kind to provision has a loaded provider that realizes it and a
 * realization target configured for it — what ProvisionDependency would refuse
 * otherwise, asked of the dependency service's registry before anything is made.
 */
export async function checkProvisionable(client: BerthClient, wanted: Array<{ key: string; kind: string }>): Promise<void> {
  if (wanted.length === 0) return;
  const [{ providers }, { realizationTargets }] = await Promise.all([
    client.providers.listProviders({ kind: "", pageSize: 0, pageToken: "" }),
    client.providers.listRealizationTargets({ kind: "" }),
  ]);
  const realizable = new Set(providers.filter((p) => p.capabilities?.realize).flatMap((p) => p.kinds));
  const targeted = new Set(realizationTargets.map((t) => t.kind));
  const problems: Array<{ reason: string; text: string }> = [];
  for (const { key, kind } of wanted) {
    if (!realizable.has(kind)) {
      problems.push({ reason: REASON.kindUnsupported, text: `dependencies.${key}: kind ${kind} is not supported for managed provisioning; loaded providers realize: ${[...realizable].sort().join(", ") || "none"}` });
    } else if (!targeted.has(kind)) {
      problems.push({
        reason: REASON.realizationTargetUnavailable,
        text: `dependencies.${key}: no realization target is configured for kind ${kind}; an operator must add one (see README "Realization targets")`,
      });
    }
  }
  if (problems.length > 0) throw new DeployError(problems[0].reason, problems.map((p) => p.text).join("; "));
}

/**
 * The env vars berth.yaml binds can be delivered by the server: it delivers
 * secrets at all, injects each kind, does not reserve the name, and no two
 * bindings (with the ones kept) nor the resource's own env use the same name —
 * what CreateDeployment would block on after the bindings were made.
 */
export function checkBindingsDeliverable(config: DeployConfig, server: RuntimeTarget, resource: Resource | undefined, active: Map<string, Binding>): void {
  const declared = Object.entries(config.dependencies).map(([key, d]) => ({ key, kind: d.kind, env: d.bind.env }));
  if (declared.length === 0) return;
  if (!server.canDeliverDependencySecrets) {
    throw new DeployError(
      REASON.injectionBlocked,
      `server ${server.name} (${server.kind}) cannot deliver dependency secrets, but berth.yaml binds ${declared.map((d) => d.env).join(", ")}; deploy to a server that can (see \`berth server list\`)`,
    );
  }
  const wanted = new Set(declared.map((d) => d.env));
  const kept = [...active.values()].filter((b) => !wanted.has(b.targetEnvVar)).map((b) => b.targetEnvVar);
  const names = new Map<string, number>();
  for (const env of [...wanted, ...kept]) names.set(env.toUpperCase(), (names.get(env.toUpperCase()) ?? 0) + 1);
  const problems: string[] = [];
  for (const { key, kind, env } of declared) {
    if (!server.injectableDependencyKinds.includes(kind)) problems.push(`dependencies.${key}: server ${server.name} (${server.kind}) cannot inject ${kind} connections`);
    if (server.reservedEnvVars.includes(env)) problems.push(`dependencies.${key}: server ${server.name} (${server.kind}) does not let bindings set ${env}`);
    if (resource && Object.hasOwn(resource.env, env)) problems.push(`dependencies.${key}: resource ${resource.name} already sets ${env} in its own env`);
    if ((names.get(env.toUpperCase()) ?? 0) > 1) problems.push(`dependencies.${key}: more than one binding of ${resource?.name ?? config.resource} sets ${env.toUpperCase()} (names are compared case-insensitively)`);
  }
  if (problems.length > 0) throw new DeployError(REASON.injectionBlocked, `dependency secrets could not reach the deployment: ${problems.join("; ")}`);
}
