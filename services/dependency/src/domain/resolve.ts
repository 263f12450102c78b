import { ErrorReason } from "@berth/client";
import { BerthError, parseSecretReference } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import type { DependencyContext } from "./context.js";

/**
 * Resolves a connection secret reference to its value, for internal callers that
 * deliver it (a runtime target starting a workload, a backup worker). A deleted
 * dependency's secrets no longer resolve. Logs the reference and purpose, never the value.
 */
export async function resolveConnectionSecret(ctx: DependencyContext, secretRef: string, purpose: string): Promise<string> {
  const ref = parseSecretReference(secretRef);
  if (!ref || ref.name !== CONNECTION_SECRET || !ref.ownerId.startsWith("dep_")) {
    throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "secret_ref must look like secret://dep_…/connection@N", {
      fieldViolations: [{ field: "secret_ref", description: "must look like secret://dep_…/connection@N" }],
    });
  }
  const dependency = await dependencyStore.get(ctx.db, ref.ownerId);
  const value = dependency && dependency.status !== "deleted" ? await ctx.secrets.get(ctx.db, ref.ownerId, ref.name, ref.version) : undefined;
  if (value === undefined) {
    throw new BerthError(ErrorReason.ERROR_REASON_SECRET_NOT_FOUND, `secret ${secretRef} does not exist or its dependency was deleted`, {
      metadata: { secret_ref: secretRef },
    });
  }
  ctx.log.info({ secretRef, purpose }, "connection secret resolved");
  return value;
}

/** The references that resolve to a stored, decryptable secret of a live dependency. Returns no values. */
export async function checkConnectionSecrets(ctx: DependencyContext, secretRefs: string[]): Promise<string[]> {
  const parsed = secretRefs.map(parseSecretReference).filter((ref): ref is NonNullable<typeof ref> => ref !== undefined && ref.name === CONNECTION_SECRET);
  const live = await dependencyStore.liveIds(ctx.db, [...new Set(parsed.map((r) => r.ownerId))]);
  const existing = await ctx.secrets.readable(ctx.db, parsed.filter((r) => live.has(r.ownerId)));
  return secretRefs.filter((ref) => existing.has(ref));
}
