import { ErrorReason, type Backup, type BackupInternalServiceService, type BackupServiceService } from "@berth/client";
import { BerthError, readPage, watchByPolling, type Handlers } from "@berth/runtime";
import { getDrill, requestDrill } from "../domain/drills.js";
import { presentDrill } from "./present-drill.js";
import { configurePolicy, getPolicy, listPolicies } from "../domain/policies.js";
import { policyStore, type PolicyRecord } from "../store/policy-store.js";
import { createBackup, deleteBackup, getBackup, watchRecord } from "../domain/backups.js";
import type { BackupContext } from "../domain/context.js";
import { getDataReadiness } from "../domain/data-readiness.js";
import { getRestore, requestRestore } from "../domain/restores.js";
import { cancelBackup, cancelRestore } from "../domain/cancel.js";
import { drillStore } from "../store/drill-store.js";
import { assertParentsExist } from "../domain/list-parents.js";
import { store, type BackupRecord } from "../store/store.js";
import { presentReadiness } from "./present-readiness.js";
import { outcomeFromWire, presentAttempt, presentBackup, presentPolicy, presentRestore, stateFromStatus } from "./present.js";

/** Backups on the wire with their verification marks, in two queries however many there are. */
async function presentVerified(ctx: BackupContext, backups: BackupRecord[]): Promise<Backup[]> {
  const [verified, latest] = await Promise.all([
    drillStore.verifiedBackupIds(ctx.db, backups.map((b) => b.id)),
    drillStore.latestVerifiedBackupIds(ctx.db, backups.map((b) => b.dependencyId)),
  ]);
  return backups.map((b) => presentBackup(b, { verified: verified.has(b.id), latestVerified: latest.get(b.dependencyId) === b.id }));
}

export function publicHandlers(ctx: BackupContext, schedulerEnabled: boolean): Handlers<typeof BackupServiceService> {
  const presentWithLast = async (policy: PolicyRecord) => presentPolicy(policy, await policyStore.lastAttempt(ctx.db, policy.id));
  return {
    async createBackup(request) {
      return { backup: presentBackup(await createBackup(ctx, { requestId: request.requestId, dependencyId: request.dependencyId, retentionDays: request.retentionDays })) };
    },
    async getBackup(request) {
      const [backup] = await presentVerified(ctx, [await getBackup(ctx, request.id)]);
      return { backup };
    },
    async listBackups(request) {
      const page = await readPage(request, async (window) => {
        await assertParentsExist(ctx, { dependencyId: request.dependencyId });
        return store.listBackups(ctx.db, { dependencyId: request.dependencyId, status: stateFromStatus(request.status), showDeleted: request.showDeleted, ...window });
      });
      return { backups: await presentVerified(ctx, page.items), nextPageToken: page.nextPageToken };
    },
    async deleteBackup(request) {
      return { backup: presentBackup(await deleteBackup(ctx, request.id)) };
    },
    async restoreBackup(request) {
      const toNew = request.toNew?.name ? request.toNew : undefined;
      return {
        restore: presentRestore(
          await requestRestore(ctx, {
            requestId: request.requestId,
            backupId: request.backupId,
            acknowledgeDataOverwrite: request.acknowledgeDataOverwrite,
            skipSafetyBackup: request.skipSafetyBackup ?? false,
            toNew,
          }),
        ),
      };
    },
    async cancelBackup(request) {
      return { backup: presentBackup(await cancelBackup(ctx, request.id)) };
    },
    async cancelRestore(request) {
      return { restore: presentRestore(await cancelRestore(ctx, request.id)) };
    },
    async getRestore(request) {
      return { restore: presentRestore(await getRestore(ctx, request.id)) };
    },
    async listRestores(request) {
      const page = await readPage(request, async (window) => {
        const { dependencyId, backupId } = request;
        await assertParentsExist(ctx, { dependencyId, backupId });
        return store.listRestores(ctx.db, { dependencyId, backupId, ...window });
      });
      return { restores: page.items.map(presentRestore), nextPageToken: page.nextPageToken };
    },
    async configureBackupPolicy(request) {
      const policy = await configurePolicy(ctx, {
        dependencyId: request.dependencyId,
        intervalHours: request.intervalHours,
        intervalMinutes: request.intervalMinutes,
        retentionDays: request.retentionDays,
        retryOnFailure: request.retryOnFailure,
        enabled: request.enabled,
        verifyEvery: request.verifyEvery,
      });
      return { policy: await presentWithLast(policy), schedulerEnabled };
    },
    async getBackupPolicy(request) {
      return { policy: await presentWithLast(await getPolicy(ctx, { id: request.id || undefined, dependencyId: request.dependencyId || undefined })), schedulerEnabled };
    },
    async listBackupPolicies(request) {
      const page = await readPage(request, async (window) => {
        await assertParentsExist(ctx, { dependencyId: request.dependencyId });
        return listPolicies(ctx, { dependencyId: request.dependencyId, enabledOnly: request.enabledOnly, ...window });
      });
      return { policies: await Promise.all(page.items.map(presentWithLast)), nextPageToken: page.nextPageToken };
    },
    async listBackupAttempts(request) {
      const page = await readPage(request, async (window) => {
        const { dependencyId, policyId } = request;
        await assertParentsExist(ctx, { dependencyId, policyId });
        return policyStore.listAttempts(ctx.db, { policyId, dependencyId, outcome: outcomeFromWire(request.outcome), ...window });
      });
      return { attempts: page.items.map(presentAttempt), nextPageToken: page.nextPageToken };
    },
    async *watchBackup(request, context) {
      for await (const backup of watchRecord(() => getBackup(ctx, request.id), request.untilSettled, context.signal)) {
        yield { backup: presentBackup(backup), bytesDone: String(backup.bytesDone), bytesTotal: "0", progressMessage: backup.statusReason };
      }
    },
    async getDataReadiness(request) {
      return { readiness: presentReadiness(await getDataReadiness(ctx, request.dependencyId)) };
    },
    async *watchRestore(request, context) {
      for await (const restore of watchRecord(() => getRestore(ctx, request.id), request.untilSettled, context.signal)) {
        yield { restore: presentRestore(restore), bytesDone: String(restore.bytesRestored), bytesTotal: String(restore.bytesTotal), progressMessage: restore.statusReason };
      }
    },
    async verifyBackup(request) {
      const drill = await requestDrill(ctx, {
        requestId: request.requestId,
        backupId: request.backupId,
        checkCommand: request.checkCommand ?? "",
        checkEnv: request.checkEnv || "DATABASE_URL",
        checkTimeoutSeconds: request.checkTimeoutSeconds || 300,
      });
      return { drill: presentDrill(drill) };
    },
    async getDrill(request) {
      return { drill: presentDrill(await getDrill(ctx, request.id)) };
    },
    async listDrills(request) {
      const page = await readPage(request, async (window) => {
        // An unknown dependency is an error, not an empty list.
        if (!(await ctx.dependencies.get(request.dependencyId))) {
          throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${request.dependencyId || '""'} not found`);
        }
        return drillStore.list(ctx.db, { dependencyId: request.dependencyId, ...window });
      });
      return { drills: page.items.map(presentDrill), nextPageToken: page.nextPageToken };
    },
    async *watchDrill(request, context) {
      const drills = watchByPolling(() => getDrill(ctx, request.id), {
        fingerprint: (d) => `${d.status}|${d.updatedAt.toISOString()}`,
        isSettled: (d) => d.status === "passed" || d.status === "failed",
        untilSettled: request.untilSettled,
        signal: context.signal,
      });
      for await (const drill of drills) yield { drill: presentDrill(drill) };
    },
  };
}

export function internalHandlers(ctx: BackupContext): Handlers<typeof BackupInternalServiceService> {
  return {
    async listDependencyReferences(request) {
      const [retained, restoring] = await Promise.all([store.retainedFor(ctx.db, request.dependencyId), store.inFlightRestores(ctx.db, request.dependencyId)]);
      return {
        references: [
          ...retained.map((b) => ({ kind: "backup", id: b.id, description: `retained ${b.kind === "native" ? "" : "metadata-only "}backup ${b.id}; delete it first` })),
          ...restoring.map((r) => ({ kind: "restore", id: r.id, description: `restore ${r.id} is in progress` })),
        ],
      };
    },
  };
}
