import type { WorkloadUser } from "./runtime/runtime-target.js";
import { DeploymentInternalServiceService, DeploymentServiceService, type BerthClient, type Dependency } from "@berth/client";
import { createServiceRuntime, type RegisteredService, type ServiceOptions } from "@berth/runtime";
import type { DeploymentContext, Peers } from "./domain/context.js";
import { recoverOrphanedDeployments, stopAllWorkloads } from "./domain/deploy.js";
import { migrations, SCHEMA } from "./migrations.js";
import { internalHandlers, publicHandlers } from "./rpc/handlers.js";

export interface DeploymentServiceOptions extends ServiceOptions {
  /** Clients to the other services, with the internal token. */
  peers: () => BerthClient;
  /** Client to the backup service (plan warnings on data readiness); unset when none is configured. */
  backupPeers?: () => BerthClient;
  /** The account local-process workloads run as; unset: the user Berth runs as. */
  workloadUser?: WorkloadUser;
}

export interface DeploymentService {
  schema: string;
  grpcServices: RegisteredService[];
  start(): Promise<void>;
  /** Stops the workloads this replica started, then the relay. */
  stop(): Promise<void>;
}

/** The other services as the deployment service uses them: batched, one call each. */
function peersOf(client: () => BerthClient, backup?: () => BerthClient): Peers {
  return {
    dataReadiness: backup ? async (dependencyId) => (await backup().backup.getDataReadiness({ dependencyId })).readiness! : undefined,
    async activeBindings(resourceId) {
      return (await client().bindingInternal.listActiveBindings({ resourceId })).bindings;
    },
    async dependencies(ids) {
      if (ids.length === 0) return new Map<string, Dependency>();
      const { dependencies } = await client().dependency.batchGetDependencies({ ids });
      return new Map(dependencies.map((d) => [d.id, d]));
    },
    async resolvableRefs(secretRefs) {
      if (secretRefs.length === 0) return new Set<string>();
      return new Set((await client().dependencyInternal.checkConnectionSecrets({ secretRefs: [...new Set(secretRefs)] })).resolvableRefs);
    },
    async injectableKinds() {
      const { providers } = await client().providers.listProviders({ kind: "", pageSize: 0, pageToken: "" });
      return new Set(providers.filter((p) => p.injectable).flatMap((p) => p.kinds));
    },
    async resolveSecrets(secretRefs, purpose) {
      const { secrets } = await client().dependencyInternal.batchResolveConnectionSecrets({ secretRefs: [...new Set(secretRefs)], purpose });
      return new Map(secrets.map((s) => [s.secretRef, s.connectionUrl]));
    },
  };
}

/** The deployment service: resources, runtime targets, deployments with their frozen snapshots, and the activity log. */
export function createDeploymentService(options: DeploymentServiceOptions): DeploymentService {
  const runtime = createServiceRuntime({ ...options, service: "deployment", schema: SCHEMA, migrations });
  const { relay, log } = runtime;
  const ctx: DeploymentContext = { db: options.db, peers: peersOf(options.peers, options.backupPeers), relay, log, workloads: new Map(), outputs: new Map(), startQueues: new Map(), workloadUser: options.workloadUser };
  return {
    schema: SCHEMA,
    grpcServices: [runtime.rpc(DeploymentServiceService, publicHandlers(ctx), "public"), runtime.rpc(DeploymentInternalServiceService, internalHandlers(ctx), "internal")],
    async start() {
      await runtime.start();
      await recoverOrphanedDeployments(ctx);
    },
    async stop() {
      await stopAllWorkloads(ctx);
      await runtime.stop();
    },
  };
}
