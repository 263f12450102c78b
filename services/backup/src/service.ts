import { BackupInternalServiceService, BackupServiceService, findDependency, ProvenanceSource, type BerthClient } from "@berth/client";
import type { Provider } from "@berth/provider-sdk";
import { createServiceRuntime, leaseSettings, type Keyring, type LeasedJobOptions, type RegisteredService, type ServiceOptions } from "@berth/runtime";
import type { ArtifactStore } from "./artifacts/artifact-store.js";
import type { ArtifactCompression } from "./store/store.js";
import { runBackup } from "./domain/backup-job.js";
import { backupJobs, drillJobs, restoreJobs } from "./domain/job-recovery.js";
import { runDrill } from "./domain/drill-job.js";
import { onBackupSettled, runSchedulerPass } from "./domain/policies.js";
import { BACKUP_QUEUE, DRILL_QUEUE, RESTORE_QUEUE, type BackupContext, type DependencyPeer } from "./domain/context.js";
import { runRestore } from "./domain/restore-job.js";
import { migrations, SCHEMA } from "./migrations.js";
import { internalHandlers, publicHandlers } from "./rpc/handlers.js";

export interface BackupServiceOptions extends ServiceOptions, LeasedJobOptions {
  keyring: Keyring;
  artifacts: ArtifactStore;
  /** Compression of new artifacts inside the seal; default gzip (level 1). */
  compression?: ArtifactCompression;
  /** The same providers the dependency service loads; their backup/restore are used here. */
  providers: Provider[];
  /** Clients to the other services, with the internal token. */
  peers: () => BerthClient;
  /** Policies run only where the scheduler is enabled (--enable-backup-scheduler). */
  scheduler?: { enabled: boolean; tickMs?: number };
}

export interface BackupService {
  schema: string;
  grpcServices: RegisteredService[];
  start(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

function dependencyPeer(peers: () => BerthClient): DependencyPeer {
  return {
    get: (id) => findDependency(peers(), id),
    async isResolvable(secretRef) {
      try {
        const { resolvableRefs } = await peers().dependencyInternal.checkConnectionSecrets({ secretRefs: [secretRef] });
        return resolvableRefs.includes(secretRef);
      } catch {
        return true;
      }
    },
    async resolve(secretRef, purpose) {
      return (await peers().dependencyInternal.resolveConnectionSecret({ secretRef, purpose })).connectionUrl;
    },
    async release(id, requestId) {
      return (await peers().dependency.deleteDependency({ id, requestId })).dependency!;
    },
    async provision({ restoredFromBackupId, provenance, ...input }) {
      const { dependency } = await peers().dependency.provisionDependency({
        ...input,
        deletionProtection: false,
        provenance: { source: ProvenanceSource.PROVENANCE_SOURCE_MANUAL, repository: "", environment: "", previewId: "", actor: "", ...provenance, restoredFromBackupId },
      });
      return dependency!;
    },
  };
}

/** The backup service: restore points, in-place restores, the artifact store. */
export function createBackupService(options: BackupServiceOptions): BackupService {
  const runtime = createServiceRuntime({ ...options, service: "backup", schema: SCHEMA, migrations });
  const { relay, log } = runtime;
  const providers = new Map<string, Provider>();
  for (const provider of options.providers) for (const kind of provider.manifest.kinds) if (!providers.has(kind)) providers.set(kind, provider);
  const ctx: BackupContext = {
    db: options.db,
    dependencies: dependencyPeer(options.peers),
    providers,
    artifacts: options.artifacts,
    keyring: options.keyring,
    compression: options.compression ?? "gzip",
    relay,
    log,
    onSettled: (backup) => onBackupSettled(ctx, backup),
    jobs: leaseSettings(options.instanceId, options.reconciler),
  };
  const schedulerEnabled = options.scheduler?.enabled ?? false;
  let schedulerTimer: NodeJS.Timeout | undefined;
  let schedulerPass: Promise<void> | undefined;
  return {
    schema: SCHEMA,
    grpcServices: [runtime.rpc(BackupServiceService, publicHandlers(ctx, schedulerEnabled), "public"), runtime.rpc(BackupInternalServiceService, internalHandlers(ctx), "internal")],
    async start() {
      await runtime.start();
      // Long jobs: a 60 s ack window kept alive by heartbeats while they run.
      const jobs = { ackWaitMs: 60_000, ...Object.fromEntries(Object.entries(options.jobs ?? {}).filter(([, v]) => v !== undefined)) };
      await runtime.startJobs({
        workers: [
          { queue: BACKUP_QUEUE, handler: (job) => runBackup(ctx, job), options: jobs },
          { queue: RESTORE_QUEUE, handler: (job) => runRestore(ctx, job), options: { ...jobs, maxDeliver: 1 } },
          { queue: DRILL_QUEUE, handler: (job) => runDrill(ctx, job), options: { ...jobs, maxDeliver: 1 } },
        ],
        kinds: [backupJobs(ctx), restoreJobs(ctx), drillJobs(ctx)],
        config: ctx.jobs,
      });
      if (schedulerEnabled) {
        schedulerTimer = setInterval(() => {
          schedulerPass ??= runSchedulerPass(ctx)
            .catch((error: unknown) => log.warn({ error: error instanceof Error ? error.message : "error" }, "scheduler pass failed"))
            .finally(() => (schedulerPass = undefined));
        }, options.scheduler?.tickMs ?? 30_000);
        log.info("backup scheduler enabled");
      }
    },
    async stop(graceMs = 10_000) {
      clearInterval(schedulerTimer);
      await schedulerPass;
      await runtime.stopJobs(graceMs);
      await runtime.stop();
    },
  };
}
