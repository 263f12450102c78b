import type { WorkloadUser } from "./runtime/runtime-target.js";
import { DeploymentInternalServiceService, DeploymentServiceService, type BerthClient, type Dependency } from "@berth/client";
import { bindHandlers, migrateSchema, OutboxRelay, type Knex, type Logger, type Messaging, type RegisteredService, type Tokens, type Gate } from "@berth/runtime";
import type { DeploymentContext, Peers } from "./domain/context.js";
import { recoverOrphanedDeployments, stopAllWorkloads } from "./domain/deploy.js";
import { migrations, SCHEMA } from "./migrations.js";
import { internalHandlers, publicHandlers } from "./rpc/handlers.js";

export interface DeploymentServiceOptions {
  databaseUrl: string;
  /** Knex pool whose search path starts with the berth_deployment schema. */
  db: Knex;
  messaging: Messaging;
  /** Clients to the other services, with the internal token. */
  peers: () => BerthClient;
  /** Client to the backup service (plan warnings on data readiness); unset when none is configured. */
  backupPeers?: () => BerthClient;
  tokens: Tokens;
  /** Authorization and audit of every call (the host's access module); unset: the configured tokens only. */
  gate?: Gate;
  /** The account local-process workloads run as; unset: the user Berth runs as. */
  workloadUser?: WorkloadUser;
  log: Logger;
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
  const log = options.log.child({ service: "deployment" });
  const relay = new OutboxRelay(options.db, options.messaging, log);
  const ctx: DeploymentContext = { db: options.db, peers: peersOf(options.peers, options.backupPeers), relay, log, workloads: new Map(), outputs: new Map(), startQueues: new Map(), workloadUser: options.workloadUser };
  const edge = { tokens: options.tokens, gate: options.gate, log };
  return {
    schema: SCHEMA,
    grpcServices: [
      { name: "berth.deployment.v1.DeploymentService", definition: DeploymentServiceService, implementation: bindHandlers(DeploymentServiceService, publicHandlers(ctx), { ...edge, access: "public" }) },
      {
        name: "berth.deployment.v1.DeploymentInternalService",
        definition: DeploymentInternalServiceService,
        implementation: bindHandlers(DeploymentInternalServiceService, internalHandlers(ctx), { ...edge, access: "internal" }),
      },
    ],
    async start() {
      await migrateSchema(options.databaseUrl, options.db, SCHEMA, migrations);
      relay.start();
      await recoverOrphanedDeployments(ctx);
    },
    async stop() {
      await stopAllWorkloads(ctx);
      await relay.stop();
      await relay.drain();
    },
  };
}
