import {
  DependencyInternalServiceService,
  DependencyServiceService,
  ProviderServiceService,
} from "@berth/client";
import type { Provider, RealizationTarget } from "@berth/provider-sdk";
import {
  createServiceRuntime,
  leaseSettings,
  newId,
  startJobReconciler,
  type JobConsumer,
  type JobLeaseSettings,
  type JobReconciler,
  type Keyring,
  type Knex,
  type Logger,
  type Messaging,
  type RegisteredService,
  type Tokens, type Gate,
} from "@berth/runtime";
import { REALIZE_QUEUE, type DependencyContext, type ReferenceCheck } from "./domain/context.js";
import { deletionProtectionCheck, resumeDelete } from "./domain/delete.js";
import { runRealization } from "./domain/realize.js";
import { interruptedDeletes, realizationJobs } from "./domain/realization-recovery.js";
import { migrations, SCHEMA } from "./migrations.js";
import { ProviderRegistry } from "./provider-registry.js";
import { publicHandlers, internalHandlers, providerHandlers } from "./rpc/handlers.js";
import { SecretStore } from "./store/secret-store.js";

export interface DependencyServiceOptions {
  /** Postgres URL of Berth's own database (for the migration lock). */
  databaseUrl: string;
  /** Knex pool whose search path starts with the berth_dependency schema. */
  db: Knex;
  messaging: Messaging;
  keyring: Keyring;
  /** Managed providers plus plugins; each realizes or describes the kinds in its manifest. */
  providers: Provider[];
  /** Validates imported connections of the built-in kinds. */
  importer?: Provider;
  targets: RealizationTarget[];
  tokens: Tokens;
  /** Authorization and audit of every call (the host's access module); unset: the configured tokens only. */
  gate?: Gate;
  log: Logger;
  /** Extra delete-safety checks (binding, deployment, backup references). */
  referenceChecks?: ReferenceCheck[];
  jobs?: { concurrency?: number; maxDeliver?: number; ackWaitMs?: number };
  /** This process's id as a job lease owner (default: a new one); the host passes one per process. */
  instanceId?: string;
  /**
   * Job leases and their reconciler (defaults LEASE_DEFAULTS); staleAfterMs (default 120 s)
   * is how long a dependency sits in `deleting` before an interrupted delete is finished.
   */
  reconciler?: Partial<Omit<JobLeaseSettings, "instanceId">> & { staleAfterMs?: number };
}

export interface DependencyService {
  schema: string;
  grpcServices: RegisteredService[];
  /** Migrates, starts the outbox relay, the realization worker and the reconciler. */
  start(): Promise<void>;
  /** Stops taking jobs, lets in-flight ones finish (or releases them), stops the relay. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The dependency service: dependencies, their connection secrets, the provider
 * registry and realization jobs. Built from explicit parts, so tests build one
 * against real Postgres and NATS in a few lines.
 */
export function createDependencyService(options: DependencyServiceOptions): DependencyService {
  const runtime = createServiceRuntime({ ...options, service: "dependency", schema: SCHEMA, migrations });
  const { relay, log } = runtime;
  const { staleAfterMs = 120_000, ...leaseOverrides } = options.reconciler ?? {};
  const ctx: DependencyContext = {
    db: options.db,
    secrets: new SecretStore(options.keyring),
    providers: new ProviderRegistry(options.providers, options.targets, options.importer),
    relay,
    referenceChecks: [deletionProtectionCheck, ...(options.referenceChecks ?? [])],
    log,
    jobs: leaseSettings(options.instanceId ?? newId("ins"), leaseOverrides),
  };
  let consumer: JobConsumer | undefined;
  let reconciler: JobReconciler | undefined;
  const shutdown = new AbortController();
  return {
    schema: SCHEMA,
    grpcServices: [
      runtime.rpc(DependencyServiceService, publicHandlers(ctx), "public"),
      runtime.rpc(DependencyInternalServiceService, internalHandlers(ctx), "internal"),
      runtime.rpc(ProviderServiceService, providerHandlers(ctx), "public"),
    ],
    async start() {
      await runtime.start();
      consumer = await options.messaging.consumeJobs(REALIZE_QUEUE, (job) => runRealization(ctx, job), options.jobs);
      // Realizations whose worker died (any replica, either messaging mode) are re-queued or failed.
      reconciler = startJobReconciler({
        name: "dependency",
        db: ctx.db,
        kinds: [realizationJobs(ctx)],
        sweeps: [interruptedDeletes(ctx, staleAfterMs, (dependency) => resumeDelete(ctx, dependency, shutdown.signal))],
        config: ctx.jobs,
        log,
        afterChange: () => relay.kick(),
      });
    },
    async stop(graceMs = 10_000) {
      await reconciler?.stop();
      await consumer?.stop(graceMs);
      shutdown.abort();
      await runtime.stop();
    },
  };
}
