import { readFileSync } from "node:fs";
import { importedProvider } from "@berth/provider-imported";
import { BACKUP_SCHEMA, createBackupService, LocalArtifactStore, S3ArtifactStore } from "@berth/backup-service";
import { createBindingService, BINDING_SCHEMA } from "@berth/binding-service";
import { createBerthClient, type BerthClient, type ServiceName } from "@berth/client";
import { createDependencyService, DEPENDENCY_SCHEMA, type ReferenceCheck } from "@berth/dependency-service";
import { createDeploymentService, DEPLOYMENT_SCHEMA } from "@berth/deployment-service";
import {
  connectJetStream,
  createKnex,
  ensureDatabase,
  InProcessMessaging,
  Keyring,
  newId,
  parseMasterKey,
  startGrpcServer,
  type Knex,
  type Logger,
  type Messaging,
  type RegisteredService,
} from "@berth/runtime";
import type { HostConfig } from "./config.js";
import { ACCESS_SCHEMA, createAccess } from "./access/index.js";
import { loadProviderPlugins } from "./plugins.js";
import { BUILT_IN_PROVIDERS } from "./providers.js";
import { resolveWorkloadUser } from "./workload-user.js";

/**
 * Deadline of a service-to-service unary call. A peer that does not answer in
 * time fails only that call (UNAVAILABLE to the caller); other calls share the
 * HTTP/2 connection and are not held up by it.
 */
const PEER_CALL_TIMEOUT_MS = 10_000;

export interface RunningHost {
  /** host:port the gRPC server listens on. */
  address: string;
  messaging: Messaging;
  /** Graceful stop: stop accepting, finish in-flight calls and jobs, flush the outbox. */
  stop(): Promise<void>;
}

/** Composes the configured services into one process and starts serving. */
export async function startHost(config: HostConfig, log: Logger): Promise<RunningHost> {
  await ensureDatabase(config.databaseUrl);
  const messaging: Messaging = config.natsUrl
    ? await connectJetStream({ url: config.natsUrl, prefix: config.natsPrefix, log })
    : new InProcessMessaging(log);
  const masterKeys = config.masterKeys.map(parseMasterKey);
  const keyring = new Keyring(masterKeys, config.activeMasterKeyId ?? masterKeys[0].id);
  const internalTokens = [config.internalToken, ...config.internalTokens];
  const tokens = { admin: config.adminToken, internal: internalTokens };
  // Owner of this process's job leases: a restarted process is a new owner, so its predecessor's leases expire.
  const instanceId = newId("ins");
  const builtInKinds = new Map(BUILT_IN_PROVIDERS.flatMap((p) => p.manifest.kinds.map((kind) => [kind, p.manifest.name] as const)));
  const plugins = await loadProviderPlugins(config.providers, process.cwd(), builtInKinds).catch(async (error: unknown) => {
    await messaging.close();
    throw error;
  });
  const providers = [...BUILT_IN_PROVIDERS, ...plugins];

  const pools: Knex[] = [];
  const pool = (schema: string) => {
    const db = createKnex(config.databaseUrl, { schema });
    pools.push(db);
    return db;
  };
  // Services call each other through gRPC (each call with a deadline: PEER_CALL_TIMEOUT_MS) with the internal token, also within one
  // process: the same path as a split deployment. Clients exist once the server listens.
  const peerClients = new Map<string, BerthClient>();
  let selfAddress = "";
  const peerAddress = (service: ServiceName) => (config.services.includes(service) ? selfAddress : config.peers[service]);
  const peersFor = (service: ServiceName) => () => {
    const address = peerAddress(service);
    if (!address) throw new Error(`no address for the ${service} service`);
    let client = peerClients.get(address);
    if (!client) {
      client = createBerthClient({ address, token: config.internalToken, timeoutMs: PEER_CALL_TIMEOUT_MS, tls: Boolean(config.tls), caPem: config.tls?.caFile ? readFileSync(config.tls.caFile) : undefined });
      peerClients.set(address, client);
    }
    return client;
  };
  const runs = (service: ServiceName) => config.services.includes(service);
  const knows = (service: ServiceName) => runs(service) || Boolean(config.peers[service]);

  // Every process authorizes its own calls: tokens are checked against Postgres, record scopes are asked of the owning service.
  const scopePeers = (service: ServiceName) => peersFor(service)();
  const access = createAccess({
    databaseUrl: config.databaseUrl,
    db: pool(ACCESS_SCHEMA),
    messaging,
    keyring,
    peers: scopePeers,
    adminToken: config.adminToken,
    internalTokens,
    isAuditEnabled: config.audit.enabled,
    log,
  });
  const gate = access.gate;

  const services: Array<{ grpcServices: RegisteredService[]; start(): Promise<void>; stop(graceMs?: number): Promise<void> }> = [access];
  if (runs("dependency")) {
    const referenceChecks: ReferenceCheck[] = [];
    if (knows("binding")) referenceChecks.push({ name: "bindings", find: async (d) => (await peersFor("binding")().bindingInternal.listDependencyReferences({ dependencyId: d.id })).references });
    if (knows("deployment")) {
      referenceChecks.push({ name: "deployments", find: async (d) => (await peersFor("deployment")().deploymentInternal.listDependencyReferences({ dependencyId: d.id })).references });
    }
    if (knows("backup")) referenceChecks.push({ name: "backups", find: async (d) => (await peersFor("backup")().backupInternal.listDependencyReferences({ dependencyId: d.id })).references });
    services.push(
      createDependencyService({
        databaseUrl: config.databaseUrl,
        gate,
        db: pool(DEPENDENCY_SCHEMA),
        messaging,
        keyring,
        providers,
        importer: importedProvider,
        targets: config.targets,
        tokens,
        log,
        referenceChecks,
        jobs: config.jobs,
        reconciler: config.reconciler,
        instanceId,
      }),
    );
  }
  if (runs("binding")) {
    services.push(createBindingService({ databaseUrl: config.databaseUrl, gate, db: pool(BINDING_SCHEMA), messaging, peers: peersFor("dependency"), tokens, log }));
  }
  if (runs("deployment")) {
    // Plan calls dependency and binding; one client per address serves both.
    const peers = () => ({ ...peersFor("dependency")(), bindingInternal: peersFor("binding")().bindingInternal }) as BerthClient;
    // Plan warns about bound production-critical dependencies whose data is not ready, when a backup service is known.
    const backupPeers = knows("backup") ? peersFor("backup") : undefined;
    const workloadUser = resolveWorkloadUser(config.localProcessUser);
    services.push(createDeploymentService({ databaseUrl: config.databaseUrl, gate, db: pool(DEPLOYMENT_SCHEMA), messaging, peers, backupPeers, tokens, workloadUser, log }));
  }
  if (runs("backup")) {
    services.push(
      createBackupService({
        databaseUrl: config.databaseUrl,
        gate,
        db: pool(BACKUP_SCHEMA),
        messaging,
        keyring,
        artifacts: config.artifactS3 ? new S3ArtifactStore(config.artifactS3) : new LocalArtifactStore(config.artifactDir!),
        compression: config.backupCompression,
        providers,
        peers: peersFor("dependency"),
        tokens,
        log,
        scheduler: config.backupScheduler,
        jobs: config.jobs,
        reconciler: config.reconciler,
        instanceId,
      }),
    );
  }
  // If start-up fails half-way, close what already runs, so the process can exit.
  const started: typeof services = [];
  const closeAll = async () => {
    for (const service of started.reverse()) await service.stop(0).catch(() => undefined);
    for (const client of peerClients.values()) client.close();
    await messaging.close().catch(() => undefined);
    for (const pool of pools) await pool.destroy().catch(() => undefined);
  };
  let server: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    for (const service of services) {
      await service.start();
      started.push(service);
    }
    server = await startGrpcServer({
      host: config.listen.host,
      port: config.listen.port,
      services: services.flatMap((s) => s.grpcServices),
      log,
      tls: config.tls ? { certPem: readFileSync(config.tls.certFile), keyPem: readFileSync(config.tls.keyFile) } : undefined,
    });
    if (!config.tls && !["127.0.0.1", "::1", "localhost"].includes(config.listen.host)) {
      log.warn({ listen: config.listen.host }, "serving gRPC without TLS on a non-loopback address: tokens and connection URLs cross the network in clear; configure tls");
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  // Calls to this process's own services go to loopback (a wildcard listen address is not dialable,
  // and a TLS certificate then needs to cover 127.0.0.1).
  selfAddress = ["0.0.0.0", "::", "[::]"].includes(config.listen.host) ? `127.0.0.1:${server.port}` : server.address;
  log.info({ services: config.services, messaging: messaging.kind, instanceId }, "berth started");

  let stopping: Promise<void> | undefined;
  return {
    address: server.address,
    messaging,
    stop() {
      stopping ??= (async () => {
        log.info("berth stopping");
        await server.shutdown(config.shutdownGraceMs);
        for (const service of services) await service.stop(config.shutdownGraceMs);
        for (const client of peerClients.values()) client.close();
        await messaging.close();
        for (const pool of pools) await pool.destroy();
        log.info("berth stopped");
      })();
      return stopping;
    },
  };
}
