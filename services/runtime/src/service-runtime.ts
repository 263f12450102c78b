import type { GeneratedServiceDefinition } from "@berth/client";
import type { ServiceDefinition as GrpcServiceDefinition } from "@grpc/grpc-js";
import { migrateSchema, type Knex, type Migration } from "./db/knex.js";
import type { Access, Tokens } from "./grpc/auth.js";
import { bindHandlers, type Handlers } from "./grpc/edge.js";
import type { Gate } from "./grpc/gate.js";
import type { RegisteredService } from "./grpc/server.js";
import type { Logger } from "./logger.js";
import type { Messaging } from "./messaging/types.js";
import { OutboxRelay } from "./outbox.js";

export interface ServiceRuntimeOptions {
  /** The service's name in its log lines ("backup"). */
  service: string;
  /** Postgres URL of Berth's own database (for the migration lock). */
  databaseUrl: string;
  /** Knex pool whose search path starts with the service's schema. */
  db: Knex;
  schema: string;
  migrations: Migration[];
  messaging: Messaging;
  tokens: Tokens;
  /** Authorization and audit of every call (the host's access module); unset: the configured tokens only. */
  gate?: Gate;
  log: Logger;
}

/** The plumbing every service runs the same way: its schema, its outbox relay and its RPC edge. */
export interface ServiceRuntime {
  log: Logger;
  relay: OutboxRelay;
  /** One gRPC service of this service: its plain handlers behind the edge (authentication, gate, error mapping). */
  rpc<D extends GeneratedServiceDefinition>(definition: D & GrpcServiceDefinition, handlers: Handlers<D>, access: Access): RegisteredService;
  /** Migrates the schema (once across replicas) and starts the outbox relay. */
  start(): Promise<void>;
  /** Stops the outbox relay once it has published what was recorded. */
  stop(): Promise<void>;
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
    async stop() {
      await relay.stop();
      await relay.drain();
    },
  };
}
