import { importedProvider } from "@berth/provider-imported";
import { postgresProvider } from "@berth/provider-postgres";
import { createDependencyService, DEPENDENCY_SCHEMA, type DependencyService } from "@berth/dependency-service";
import {
  connectJetStream,
  createKnex,
  ensureDatabase,
  InProcessMessaging,
  Keyring,
  parseMasterKey,
  startGrpcServer,
  type Knex,
  type Logger,
  type Messaging,
} from "@berth/runtime";
import type { HostConfig } from "./config.js";
import { loadProviderPlugins } from "./plugins.js";

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
  const tokens = { admin: config.adminToken, internal: config.internalToken };
  const plugins = await loadProviderPlugins(config.providers);

  const pools: Knex[] = [];
  const services: DependencyService[] = [];
  if (config.services.includes("dependency")) {
    const db = createKnex(config.databaseUrl, { schema: DEPENDENCY_SCHEMA });
    pools.push(db);
    services.push(
      createDependencyService({
        databaseUrl: config.databaseUrl,
        db,
        messaging,
        keyring,
        providers: [postgresProvider, ...plugins],
        importer: importedProvider,
        targets: config.targets,
        tokens,
        log,
        jobs: config.jobs,
        reconciler: config.reconciler,
      }),
    );
  }
  for (const service of services) await service.start();
  const server = await startGrpcServer({
    host: config.listen.host,
    port: config.listen.port,
    services: services.flatMap((s) => s.grpcServices),
    log,
  });
  log.info({ services: config.services, messaging: messaging.kind }, "berth started");

  let stopping: Promise<void> | undefined;
  return {
    address: server.address,
    messaging,
    stop() {
      stopping ??= (async () => {
        log.info("berth stopping");
        await server.shutdown(config.shutdownGraceMs);
        for (const service of services) await service.stop(config.shutdownGraceMs);
        await messaging.close();
        for (const pool of pools) await pool.destroy();
        log.info("berth stopped");
      })();
      return stopping;
    },
  };
}
