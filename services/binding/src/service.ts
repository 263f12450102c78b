import { BindingInternalServiceService, BindingServiceService, findDependency, isBerthApiError, type BerthClient } from "@berth/client";
import { bindHandlers, migrateSchema, OutboxRelay, type Knex, type Logger, type Messaging, type RegisteredService, type Tokens, type Gate } from "@berth/runtime";
import type { BindingContext, DependencyLookup, ResourceLookup } from "./domain/context.js";
import { migrations, SCHEMA } from "./migrations.js";
import { internalHandlers, publicHandlers } from "./rpc/handlers.js";

export interface BindingServiceOptions {
  databaseUrl: string;
  /** Knex pool whose search path starts with the berth_binding schema. */
  db: Knex;
  messaging: Messaging;
  /** Clients to the other services, with the internal token. */
  peers: () => BerthClient;
  tokens: Tokens;
  /** Authorization and audit of every call (the host's access module); unset: the configured tokens only. */
  gate?: Gate;
  log: Logger;
}

export interface BindingService {
  schema: string;
  grpcServices: RegisteredService[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Dependencies as the binding service may see them: through the dependency service's RPCs. */
function dependencyLookup(peers: () => BerthClient): DependencyLookup {
  return {
    get: (id) => findDependency(peers(), id),
  };
}

/** Resources as the binding service may see them: through the deployment service's RPCs. */
function resourceLookup(peers: () => BerthClient): ResourceLookup {
  return {
    async exists(id) {
      try {
        await peers().deployment.getResource({ id });
        return true;
      } catch (error) {
        if (isBerthApiError(error) && error.reason === "resource_not_found") return false;
        throw error;
      }
    },
  };
}

/** The binding service: resource ↔ dependency associations and the secret reference each delivers. */
export function createBindingService(options: BindingServiceOptions): BindingService {
  const log = options.log.child({ service: "binding" });
  const relay = new OutboxRelay(options.db, options.messaging, log);
  const ctx: BindingContext = { db: options.db, dependencies: dependencyLookup(options.peers), resources: resourceLookup(options.peers), relay, log };
  const edge = { tokens: options.tokens, gate: options.gate, log };
  return {
    schema: SCHEMA,
    grpcServices: [
      { name: "berth.binding.v1.BindingService", definition: BindingServiceService, implementation: bindHandlers(BindingServiceService, publicHandlers(ctx), { ...edge, access: "public" }) },
      {
        name: "berth.binding.v1.BindingInternalService",
        definition: BindingInternalServiceService,
        implementation: bindHandlers(BindingInternalServiceService, internalHandlers(ctx), { ...edge, access: "internal" }),
      },
    ],
    async start() {
      await migrateSchema(options.databaseUrl, options.db, SCHEMA, migrations);
      relay.start();
    },
    async stop() {
      await relay.stop();
      await relay.drain();
    },
  };
}
