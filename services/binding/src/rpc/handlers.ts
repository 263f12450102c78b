import type { BindingInternalServiceService, BindingServiceService } from "@berth/client";
import { readPage, storedProvenance, type Handlers } from "@berth/runtime";
import { bindDependency, getBinding, unbindDependency } from "../domain/bind.js";
import type { BindingContext } from "../domain/context.js";
import { assertParentsExist } from "../domain/list-parents.js";
import { rotateBindingSecret } from "../domain/rotate.js";
import { bindingStore } from "../store/binding-store.js";
import { presentBinding } from "./present.js";

export function publicHandlers(ctx: BindingContext): Handlers<typeof BindingServiceService> {
  return {
    async bindDependency(request) {
      return { binding: presentBinding(await bindDependency(ctx, { ...request, provenance: storedProvenance(request.provenance) })) };
    },
    async unbindDependency(request) {
      return { binding: presentBinding(await unbindDependency(ctx, request.id)) };
    },
    async getBinding(request) {
      return { binding: presentBinding(await getBinding(ctx, request.id)) };
    },
    async listBindings(request) {
      const page = await readPage(request, async (window) => {
        await assertParentsExist(ctx, request);
        const { projectId, environmentId, resourceId, dependencyId, includeUnbound } = request;
        return bindingStore.list(ctx.db, { projectId, environmentId, resourceId, dependencyId, includeUnbound, ...window });
      });
      return { bindings: page.items.map(presentBinding), nextPageToken: page.nextPageToken };
    },
    async rotateBindingSecret(request) {
      const { binding, previous } = await rotateBindingSecret(ctx, request.id, request.latest ? { latest: true } : { version: request.version });
      return { binding: presentBinding(binding), previousSecretRef: previous };
    },
  };
}

export function internalHandlers(ctx: BindingContext): Handlers<typeof BindingInternalServiceService> {
  return {
    async listDependencyReferences(request) {
      const bindings = await bindingStore.list(ctx.db, { dependencyId: request.dependencyId, includeUnbound: false, limit: 1000 });
      return {
        references: bindings.map((b) => ({ kind: "binding", id: b.id, description: `active binding ${b.id} of ${b.resourceId} as ${b.targetEnvVar}` })),
      };
    },
    async listActiveBindings(request) {
      const bindings = await bindingStore.list(ctx.db, { resourceId: request.resourceId, includeUnbound: false, limit: 10_000 });
      return { bindings: bindings.map(presentBinding) };
    },
  };
}
