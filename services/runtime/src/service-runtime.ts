import type { GeneratedServiceDefinition } from "@berth/client";
import type { ServiceDefinition as GrpcServiceDefinition } from "@grpc/grpc-js";
import { migrateSchema, type Knex, type Migration } from "./db/knex.js";
import type { Access, Tokens } from "./grpc/auth.js";
import { bindHandlers, type Handlers } from "./grpc/edge.js";
import type { Gate } from "./grpc/gate.js";
import type { RegisteredService } from "./grpc/server.js";
import type { Logger } from "./logger.js";
import { startJobReconciler, type JobReconciler, type JobReconcilerConfig, type LeasedJobKind } from "./jobs/reconciler.js";
import type { JobConsumer, JobConsumerOptions, JobHandler, Messaging } from "./messaging/types.js";
import { OutboxRelay } from "./outbox.js";

/** What the host gives every service it composes (each service's options add its own parts). */
export interface ServiceOptions {
  /** Postgres URL of Berth's own database (for the migration lock). */
  databaseUrl: string;
  /** Knex pool whose search path starts with the service's schema. */
  db: Knex;
  messaging: Messaging;
  tokens: Tokens;
  /** Authorization and audit of every call (the host's access module); unset: the configured tokens only. */
  gate?: Gate;
  log: Logger;
}

export interface ServiceRuntimeOptions extends ServiceOptions {
  /** The service's name in its log lines ("backup"). */
  service: string;
  schema: string;
  migrations: Migration[];
}

/** The plumbing every service runs the same way: its schema, its outbox relay and its RPC edge. */
export interface ServiceRuntime {
  log: Logger;
  relay: OutboxRelay;
  /** One gRPC service of this service: its plain handlers behind the edge (authentication, gate, error mapping). */
  rpc<D extends GeneratedServiceDefinition>(definition: D & GrpcServiceDefinition, handlers: Handlers<D>, access: Access): RegisteredService;
  /** Migrates the schema (once across replicas) and starts the outbox relay. */
  start(): Promise<void>;
  /**
   * Starts a worker per job queue and the reconciler of the service's leased job
   * kinds (dead workers' jobs re-queued or failed, then the sweeps), after start().
   */
  startJobs(jobs: ServiceJobs): Promise<void>;
  /** Stops the reconciler, then the workers (in-flight jobs get `graceMs` to finish or are released). */
  stopJobs(graceMs: number): Promise<void>;
  /** Stops the outbox relay once it has published what was recorded. */
  stop(): Promise<void>;
}

/** The leased jobs one service runs: its queues' handlers and how its reconciler settles them. */
export interface ServiceJobs {
  workers: Array<{ queue: string; handler: JobHandler; options?: JobConsumerOptions }>;
  kinds: LeasedJobKind[];
  sweeps?: Array<() => Promise<void>>;
  config: JobReconcilerConfig;
}

/** The fully qualified service name ("berth.backup.v1.BackupService") from its methods' paths. */
function serviceName(definition: GeneratedServiceDefinition): string {
  const [first] = Object.values(definition);
  const name = first?.path.split("/")[1];
  if (!name) throw new Error("a gRPC service definition without methods cannot be registered");
  return name;
}

/**
 * What each service's factory builds first, so it holds only its own domain:
 * a child logger, the outbox relay, RPC registration and the start/stop of both.
 */
export function createServiceRuntime(options: ServiceRuntimeOptions): ServiceRuntime {
  const log = options.log.child({ service: options.service });
  const relay = new OutboxRelay(options.db, options.messaging, log);
  const consumers: JobConsumer[] = [];
  let reconciler: JobReconciler | undefined;
  return {
    log,
    relay,
    rpc(definition, handlers, access) {
      return { name: serviceName(definition), definition, implementation: bindHandlers(definition, handlers, { access, tokens: options.tokens, gate: options.gate, log }) };
    },
    async start() {
      await migrateSchema(options.databaseUrl, options.db, options.schema, options.migrations);
      relay.start();
    },
    async startJobs(jobs) {
      for (const worker of jobs.workers) consumers.push(await options.messaging.consumeJobs(worker.queue, worker.handler, worker.options));
      // Jobs whose worker died (any replica, either messaging mode) are re-queued or failed.
      reconciler = startJobReconciler({ name: options.service, db: options.db, kinds: jobs.kinds, sweeps: jobs.sweeps, config: jobs.config, log, afterChange: () => relay.kick() });
    },
    async stopJobs(graceMs) {
      await reconciler?.stop();
      for (const consumer of consumers) await consumer.stop(graceMs);
    },
    async stop() {
      await relay.stop();
      await relay.drain();
    },
  };
}
