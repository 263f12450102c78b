import { randomUUID } from "node:crypto";
import { DependencyStatus, isBerthApiError, type BerthApiError, type BerthClient, type Dependency } from "@berth/client";

export const SCOPE = { projectId: "prj_test", environmentId: "env_test" } as const;

export function uniqueName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export async function provision(client: BerthClient, name: string, extra: { requestId?: string; deletionProtection?: boolean; projectId?: string } = {}): Promise<Dependency> {
  const { dependency } = await client.dependency.provisionDependency({
    requestId: extra.requestId ?? randomUUID(),
    projectId: extra.projectId ?? SCOPE.projectId,
    environmentId: SCOPE.environmentId,
    name,
    kind: "postgres",
    realizationTarget: "",
    deletionProtection: extra.deletionProtection ?? false,
  });
  return dependency!;
}

export async function importUrl(client: BerthClient, kind: string, connectionUrl: string, name = uniqueName(kind), requestId: string = randomUUID()): Promise<Dependency> {
  const { dependency } = await client.dependency.importDependency({
    requestId,
    ...SCOPE,
    name,
    kind,
    connectionUrl,
    probe: false,
    deletionProtection: false,
  });
  return dependency!;
}

/** Follows the dependency until it settles and returns its final state. */
export async function waitSettled(client: BerthClient, id: string, timeoutMs = 60_000): Promise<Dependency> {
  let last: Dependency | undefined;
  for await (const update of client.dependency.watchDependency({ id, untilSettled: true }, { timeoutMs })) last = update.dependency;
  if (!last) throw new Error("watch ended without an update");
  return last;
}

export async function resolveUrl(internal: BerthClient, dependency: Dependency): Promise<string> {
  const { connectionUrl } = await internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency.connectionSecretRef, purpose: "test" });
  return connectionUrl;
}

/** Runs `call` and returns the API error it must fail with. */
export async function apiError(call: Promise<unknown>): Promise<BerthApiError> {
  try {
    await call;
  } catch (error) {
    if (isBerthApiError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

export const READY = DependencyStatus.DEPENDENCY_STATUS_READY;
