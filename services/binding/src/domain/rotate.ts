import { ErrorReason } from "@berth/client";
import { BerthError, formatSecretReference, parseSecretReference, recordEvent } from "@berth/runtime";
import { bindingStore, type BindingRecord } from "../store/binding-store.js";
import { eventData, getBinding } from "./bind.js";
import type { BindingContext } from "./context.js";

/**
 * Points a binding at another version of its dependency's connection secret
 * (`latest` = the current one). Only future deployment snapshots see it: the
 * database password, running workloads and past snapshots are untouched.
 */
export async function rotateBindingSecret(ctx: BindingContext, id: string, target: { version?: number; latest?: boolean }): Promise<{ binding: BindingRecord; previous: string }> {
  const binding = await getBinding(ctx, id);
  if (binding.status !== "active") {
    throw new BerthError(ErrorReason.ERROR_REASON_BINDING_UNBOUND, `binding ${id} is unbound; bind the dependency again instead`);
  }
  const dependency = await ctx.dependencies.get(binding.dependencyId);
  const current = dependency ? parseSecretReference(dependency.connectionSecretRef) : undefined;
  if (!dependency || !current) {
    throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY, `dependency ${binding.dependencyId} has no connection secret yet`);
  }
  let version = current.version;
  if (!target.latest) {
    if (target.version === undefined || !Number.isInteger(target.version) || target.version < 1 || target.version > current.version) {
      throw new BerthError(
        ErrorReason.ERROR_REASON_SECRET_VERSION_NOT_FOUND,
        `dependency ${dependency.id} has connection secret versions 1..${current.version}; ${target.version ?? "no version"} is not one of them`,
        { fieldViolations: [{ field: "version", description: `must be between 1 and ${current.version}, or pass latest` }] },
      );
    }
    version = target.version;
  }
  const secretRef = formatSecretReference({ ...current, version });
  if (secretRef === binding.secretRef) return { binding, previous: binding.secretRef };
  const updated = await ctx.db.transaction(async (trx) => {
    const record = await bindingStore.setSecretRef(trx, id, secretRef);
    await recordEvent(trx, "binding.binding.secret_rotated", { ...eventData(record), previousSecretRef: binding.secretRef });
    return record;
  });
  ctx.relay.kick();
  return { binding: updated, previous: binding.secretRef };
}
