import { BindingInternalServiceService, BindingServiceService, findDependency, isBerthApiError, type BerthClient } from "@berth/client";
import { createServiceRuntime, type RegisteredService, type ServiceOptions } from "@berth/runtime";
import type { BindingContext, DependencyLookup, ResourceLookup } from "./domain/context.js";
import { migrations, SCHEMA } from "./migrations.js";
import { internalHandlers, publicHandlers } from "./rpc/handlers.js";

export interface BindingServiceOptions extends ServiceOptions {
  /** Clients to the other services, with the internal token. */
  peers: () => BerthClient;
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
  const runtime = createServiceRuntime({ ...options, service: "binding", schema: SCHEMA, migrations });
  const ctx: BindingContext = { db: options.db, dependencies: dependencyLookup(options.peers), resources: resourceLookup(options.peers), relay: runtime.relay, log: runtime.log };
  return {
    schema: SCHEMA,
    grpcServices: [runtime.rpc(BindingServiceService, publicHandlers(ctx), "public"), runtime.rpc(BindingInternalServiceService, internalHandlers(ctx), "internal")],
    start: () => runtime.start(),
    stop: () => runtime.stop(),
  };
}
