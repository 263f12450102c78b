import {
  ErrorReason,
  type DataClass,
  type DependencyInternalServiceService,
  type DependencyServiceService,
  type Provenance,
  type ProviderServiceService,
} from "@berth/client";
import { BerthError, invalidArgument, storedProvenance, type Handlers } from "@berth/runtime";
import type { DependencyContext } from "../domain/context.js";
import { importDependency, provisionDependency } from "../domain/create.js";
import { checkDependencyDelete, deleteDependency } from "../domain/delete.js";
import { probeDependency } from "../domain/probe.js";
import { batchGetDependencies, getDependency, listDependencies, watchDependency } from "../domain/queries.js";
import { checkConnectionSecrets, resolveConnectionSecret } from "../domain/resolve.js";
import { updateImportedConnection, updateSettings } from "../domain/update.js";
import { presentDependency, stateFromStatus, storedDataClass } from "./present.js";

/** What provisioning and importing both take from their request: its fields, with provenance and data class as stored. */
function createInput<R extends { provenance?: Provenance; dataClass?: DataClass }>(request: R) {
  return { ...request, provenance: storedProvenance(request.provenance), dataClass: storedDataClass(request.dataClass) ?? "unclassified" };
}

/** Public RPCs: decode, call one domain function, encode. */
export function publicHandlers(ctx: DependencyContext): Handlers<typeof DependencyServiceService> {
  return {
    async provisionDependency(request) {
      return { dependency: presentDependency(await provisionDependency(ctx, createInput(request))) };
    },
    async importDependency(request) {
      return { dependency: presentDependency(await importDependency(ctx, createInput(request))) };
    },
    async getDependency(request) {
      return { dependency: presentDependency(await getDependency(ctx, request.id)) };
    },
    async batchGetDependencies(request) {
      const { found, missing } = await batchGetDependencies(ctx, request.ids);
      return { dependencies: found.map(presentDependency), missingIds: missing };
    },
    async listDependencies(request) {
      const page = await listDependencies(ctx, {
        projectId: request.projectId,
        environmentId: request.environmentId,
        kind: request.kind,
        name: request.name,
        status: stateFromStatus(request.status),
        pageSize: request.pageSize,
        pageToken: request.pageToken,
        showDeleted: request.showDeleted,
      });
      return { dependencies: page.items.map(presentDependency), nextPageToken: page.nextPageToken };
    },
    async deleteDependency(request, context) {
      const { dependency, leftBehind } = await deleteDependency(ctx, request.id, context.signal, { force: request.force === true });
      return { dependency: presentDependency(dependency), leftBehind };
    },
    async probeDependency(request) {
      return { dependency: presentDependency(await probeDependency(ctx, request.id)) };
    },
    async checkDependencyDelete(request, context) {
      const { dependency, references } = await checkDependencyDelete(ctx, request.id, context.signal);
      return { dependency: presentDependency(dependency), references };
    },
    async updateDependency(request) {
      const change = { deletionProtection: request.deletionProtection, dataClass: storedDataClass(request.dataClass) };
      return { dependency: presentDependency(await updateSettings(ctx, request.id, change)) };
    },
    async updateDependencyConnection(request) {
      return { dependency: presentDependency(await updateImportedConnection(ctx, request.id, request.connectionUrl, request.probe)) };
    },
    async rotateConnectionSecret() {
      throw new BerthError(
        ErrorReason.ERROR_REASON_NOT_IMPLEMENTED,
        "rotating a managed dependency's password is not implemented yet; providers do not declare the rotate capability",
      );
    },
    async *watchDependency(request, context) {
      for await (const record of watchDependency(ctx, request.id, request.untilSettled, context.signal)) {
        yield { dependency: presentDependency(record), progressMessage: record.progressMessage };
      }
    },
  };
}

/** Internal RPCs: the one place a connection secret leaves this service. */
export function internalHandlers(ctx: DependencyContext): Handlers<typeof DependencyInternalServiceService> {
  return {
    async resolveConnectionSecret(request) {
      return { secretRef: request.secretRef, connectionUrl: await resolveConnectionSecret(ctx, request.secretRef, request.purpose) };
    },
    async batchResolveConnectionSecrets(request) {
      const secrets = [];
      for (const secretRef of request.secretRefs) {
        secrets.push({ secretRef, connectionUrl: await resolveConnectionSecret(ctx, secretRef, request.purpose) });
      }
      return { secrets };
    },
    async checkConnectionSecrets(request) {
      return { resolvableRefs: await checkConnectionSecrets(ctx, request.secretRefs) };
    },
  };
}

export function providerHandlers(ctx: DependencyContext): Handlers<typeof ProviderServiceService> {
  return {
    async listProviders(request) {
      // Every provider fits on one page, so no token was ever issued: any token is forged or stale.
      if (request.pageToken) {
        throw invalidArgument("page_token is not a token this server issued", [{ field: "page_token", description: "providers fit on one page; omit it" }], ErrorReason.ERROR_REASON_INVALID_PAGE_TOKEN);
      }
      const manifests = ctx.providers.manifests().filter((m) => !request.kind || m.kinds.includes(request.kind));
      return {
        providers: manifests.map((m) => ({
          name: m.name,
          version: m.version,
          sdkVersion: m.sdkVersion,
          kinds: m.kinds,
          capabilities: {
            realize: m.capabilities.realize,
            release: m.capabilities.release,
            probe: m.capabilities.probe,
            nativeBackup: m.capabilities.backup,
            restore: m.capabilities.restore,
            rotate: m.capabilities.rotate,
          },
          backupFormat: m.capabilities.backupFormat ?? "",
          injectable: m.injectable !== false,
        })),
        nextPageToken: "",
      };
    },
    async listRealizationTargets(request) {
      return { realizationTargets: ctx.providers.realizationTargets().filter((t) => !request.kind || t.kind === request.kind) };
    },
  };
}
