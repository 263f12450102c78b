import { DependencyStatus, ErrorReason, type Dependency, type FieldViolation } from "@berth/client";
import { assertNoViolations, BerthError, createOnce, findRecord, newId, recordEvent, requestFingerprint } from "@berth/runtime";
import { bindingStore, type BindingRecord } from "../store/binding-store.js";
import type { BindingContext } from "./context.js";

const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export interface BindInput {
  requestId: string;
  projectId: string;
  environmentId: string;
  resourceId: string;
  dependencyId: string;
  targetEnvVar: string;
  provenance: Record<string, string | number>;
}

export function eventData(binding: BindingRecord): Record<string, unknown> {
  return {
    bindingId: binding.id,
    resourceId: binding.resourceId,
    dependencyId: binding.dependencyId,
    targetEnvVar: binding.targetEnvVar,
    secretRef: binding.secretRef,
    status: binding.status,
  };
}

/** A dependency that can still be bound: exists and is not being deleted. */
function isBindable(dependency: Dependency | undefined): dependency is Dependency {
  return (
    dependency !== undefined &&
    dependency.status !== DependencyStatus.DEPENDENCY_STATUS_DELETING &&
    dependency.status !== DependencyStatus.DEPENDENCY_STATUS_DELETED
  );
}

function dependencyGone(id: string, detail = "does not exist or was deleted"): BerthError {
  return new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${id} ${detail}`, { metadata: { dependency_id: id } });
}

/**
 * Binds a dependency to a resource as one env var, storing only the
 * dependency's current secret reference. After the insert commits it reads the
 * dependency again: if a delete began meanwhile, the binding is withdrawn, so a
 * binding to a deleted dependency can never remain (see deleteDependency).
 */
export async function bindDependency(ctx: BindingContext, input: BindInput): Promise<BindingRecord> {
  const violations: FieldViolation[] = [];
  if (!/^res_[A-Za-z0-9_-]+$/.test(input.resourceId)) violations.push({ field: "resource_id", description: "must be a resource id (res_…)" });
  if (!/^dep_[A-Za-z0-9]+$/.test(input.dependencyId)) violations.push({ field: "dependency_id", description: "must be a dependency id (dep_…)" });
  if (!/^prj_[A-Za-z0-9_-]+$/.test(input.projectId)) violations.push({ field: "project_id", description: 'must look like "prj_prod"' });
  if (!/^env_[A-Za-z0-9_-]+$/.test(input.environmentId)) violations.push({ field: "environment_id", description: 'must look like "env_prod"' });
  if (!ENV_VAR.test(input.targetEnvVar)) {
    violations.push({ field: "target_env_var", description: "must be a valid environment variable name: letters, digits and _, not starting with a digit" });
  }
  if (violations.some((v) => v.field === "target_env_var") && violations.length === 1) {
    throw new BerthError(ErrorReason.ERROR_REASON_BINDING_TARGET_INVALID, `target ${JSON.stringify(input.targetEnvVar)} is not a valid environment variable name`, {
      fieldViolations: violations,
    });
  }
  assertNoViolations(violations);

  // Parts as stored since bindings first had fingerprints (no leading label), so older replays still match.
  const print = requestFingerprint([input.projectId, input.environmentId, input.resourceId, input.dependencyId, input.targetEnvVar]);
  return createOnce({
    requestId: input.requestId,
    fingerprint: print,
    noun: "binding",
    findByRequestId: (requestId) => bindingStore.getByRequestId(ctx.db, requestId),
    insert: async () => {
      const dependency = await ctx.dependencies.get(input.dependencyId);
      if (!isBindable(dependency)) throw dependencyGone(input.dependencyId);
      if (dependency.projectId !== input.projectId || dependency.environmentId !== input.environmentId) {
        throw new BerthError(
          ErrorReason.ERROR_REASON_BINDING_SCOPE_MISMATCH,
          `dependency ${dependency.id} belongs to ${dependency.projectId}/${dependency.environmentId}, not ${input.projectId}/${input.environmentId}`,
        );
      }
      const binding = await ctx.db.transaction(async (trx) => {
        const created = await bindingStore.insert(trx, {
          id: newId("bnd"),
          projectId: input.projectId,
          environmentId: input.environmentId,
          resourceId: input.resourceId,
          dependencyId: input.dependencyId,
          targetEnvVar: input.targetEnvVar,
          secretRef: dependency.connectionSecretRef,
          provenance: input.provenance,
          requestId: input.requestId || null,
          requestFingerprint: print,
        });
        if (typeof created === "string") return created;
        await recordEvent(trx, "binding.binding.bound", eventData(created));
        return created;
      });
      if (binding === "request_id_taken") return binding;
      if (binding === "target_taken") {
        // Looked up after the failed insert's transaction ended (Postgres aborts it).
        const existing = await bindingStore.activeByTarget(ctx.db, input.resourceId, input.targetEnvVar);
        throw new BerthError(
          ErrorReason.ERROR_REASON_BINDING_TARGET_CONFLICT,
          `resource ${input.resourceId} already has an active binding for ${input.targetEnvVar}${existing ? ` (${existing.id})` : ""}; unbind it first`,
          { metadata: { resource_id: input.resourceId, target_env_var: input.targetEnvVar, binding_id: existing?.id ?? "" } },
        );
      }
      // The second read that makes bind-vs-delete race-free.
      const after = await ctx.dependencies.get(input.dependencyId);
      if (!isBindable(after)) {
        await withdraw(ctx, binding);
        throw dependencyGone(input.dependencyId, "was deleted while it was being bound");
      }
      ctx.relay.kick();
      ctx.log.info({ bindingId: binding.id, resourceId: binding.resourceId, dependencyId: binding.dependencyId }, "dependency bound");
      return binding;
    },
  });
}

async function withdraw(ctx: BindingContext, binding: BindingRecord): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const unbound = await bindingStore.unbind(trx, binding.id);
    await recordEvent(trx, "binding.binding.unbound", { ...eventData(unbound), reason: "dependency deleted" });
  });
  ctx.relay.kick();
}

/** Ends a binding. Never touches the dependency, a running workload or a deployment snapshot. */
export async function unbindDependency(ctx: BindingContext, id: string): Promise<BindingRecord> {
  const binding = await getBinding(ctx, id);
  if (binding.status === "unbound") return binding;
  const unbound = await ctx.db.transaction(async (trx) => {
    const record = await bindingStore.unbind(trx, id);
    await recordEvent(trx, "binding.binding.unbound", eventData(record));
    return record;
  });
  ctx.relay.kick();
  return unbound;
}

export async function getBinding(ctx: BindingContext, id: string): Promise<BindingRecord> {
  return findRecord({ prefix: "bnd", noun: "binding", reason: ErrorReason.ERROR_REASON_BINDING_NOT_FOUND, idKey: "binding_id" }, id, (bindingId) => bindingStore.get(ctx.db, bindingId));
}
