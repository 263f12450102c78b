import {
  DependencyInternalServiceService,
  DependencyServiceService,
  ProviderServiceService,
} from "@berth/client";
import type { Provider, RealizationTarget } from "@berth/provider-sdk";
import { createServiceRuntime, leaseSettings, type JobLeaseSettings, type Keyring, type LeasedJobOptions, type RegisteredService, type ServiceOptions } from "@berth/runtime";
import { REALIZE_QUEUE, type DependencyContext, type ReferenceCheck } from "./domain/context.js";
import { deletionProtectionCheck, resumeDelete } from "./domain/delete.js";
import { runRealization } from "./domain/realize.js";
import { interruptedDeletes, realizationJobs } from "./domain/realization-recovery.js";
import { migrations, SCHEMA } from "./migrations.js";
import { ProviderRegistry } from "./provider-registry.js";
import { publicHandlers, internalHandlers, providerHandlers } from "./rpc/handlers.js";
import { SecretStore } from "./store/secret-store.js";

export interface DependencyServiceOptions extends ServiceOptions, LeasedJobOptions {
  keyring: Keyring;
  /** Managed providers plus plugins; each realizes or describes the kinds in its manifest. */
  providers: Provider[];
  /** Validates imported connections of the built-in kinds. */
  importer?: Provider;
  targets: RealizationTarget[];
  /** Extra delete-safety checks (binding, deployment, backup references). */
  referenceChecks?: ReferenceCheck[];
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
    jobs: leaseSettings(options.instanceId, leaseOverrides),
  };
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
      await runtime.startJobs({
        workers: [{ queue: REALIZE_QUEUE, handler: (job) => runRealization(ctx, job), options: options.jobs }],
        kinds: [realizationJobs(ctx)],
        sweeps: [interruptedDeletes(ctx, staleAfterMs, (dependency) => resumeDelete(ctx, dependency, shutdown.signal))],
        config: ctx.jobs,
      });
    },
    async stop(graceMs = 10_000) {
      await runtime.stopJobs(graceMs);
      shutdown.abort();
      await runtime.stop();
    },
  };
}
