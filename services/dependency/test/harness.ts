import { createBerthClient, type BerthClient } from "@berth/client";
import { importedProvider } from "@berth/provider-imported";
import { postgresProvider } from "@berth/provider-postgres";
import type { Provider, RealizationTarget } from "@berth/provider-sdk";
import {
  connectJetStream,
  createKnex,
  createLogger,
  ensureDatabase,
  Keyring,
  parseMasterKey,
  startGrpcServer,
  type Messaging,
} from "@berth/runtime";
import { Writable } from "node:stream";
import { adminQuery, databaseUrl, dropDatabase, NATS_URL, POSTGRES_ADMIN_URL, testSecrets, uniqueSuffix } from "../../../test/support/env.js";
import { deleteStreams } from "../../../test/support/nats.js";
import { createDependencyService, DEPENDENCY_SCHEMA } from "../src/index.js";

export interface Harness {
  /** host:port of the gRPC server. */
  address: string;
  admin: BerthClient;
  internal: BerthClient;
  anonymous: BerthClient;
  tokens: { adminToken: string; internalToken: string };
  prefix: string;
  databaseName: string;
  messaging: Messaging;
  /** Every log line the service wrote. */
  logs(): string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  targets?: RealizationTarget[];
  providers?: Provider[];
  natsUrl?: string;
}

/** One dependency service over gRPC, on a fresh database and NATS prefix, built from real parts. */
export async function startDependencyHarness(options: HarnessOptions = {}): Promise<Harness> {
  const suffix = uniqueSuffix();
  const databaseName = `berth_t_${suffix}`;
  const url = databaseUrl(databaseName);
  const prefix = `t${suffix}`;
  const secrets = testSecrets();
  let logText = "";
  const log = createLogger({ level: "debug", destination: new Writable({ write: (chunk, _enc, done) => ((logText += chunk), done()) }) });
  await ensureDatabase(url);
  const db = createKnex(url, { schema: DEPENDENCY_SCHEMA });
  const messaging = await connectJetStream({ url: options.natsUrl ?? NATS_URL, prefix, log });
  const key = parseMasterKey(secrets.masterKey);
  const service = createDependencyService({
    databaseUrl: url,
    db,
    messaging,
    keyring: new Keyring([key], key.id),
    providers: options.providers ?? [postgresProvider],
    importer: importedProvider,
    targets: options.targets ?? [{ name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL }],
    tokens: { admin: secrets.adminToken, internal: secrets.internalToken },
    log,
    jobs: { ackWaitMs: 5000 },
  });
  await service.start();
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0, services: service.grpcServices, log });
  const client = (token: string) => createBerthClient({ address: server.address, token });
  const admin = client(secrets.adminToken);
  const internal = client(secrets.internalToken);
  const anonymous = client("");
  return {
    address: server.address,
    admin,
    internal,
    anonymous,
    tokens: secrets,
    prefix,
    databaseName,
    messaging,
    logs: () => logText,
    async close() {
      for (const c of [admin, internal, anonymous]) c.close();
      await server.shutdown(1000);
      await service.stop(1000);
      await messaging.close();
      await db.destroy();
      await dropRealized(databaseName);
      await dropDatabase(databaseName);
      await deleteStreams(prefix, options.natsUrl ?? NATS_URL);
    },
  };
}

/** Drops databases and roles realized for dependencies recorded in a test database. */
export async function dropRealized(databaseName: string): Promise<void> {
  const rows = await adminQuery<{ id: string }>(`SELECT id FROM ${DEPENDENCY_SCHEMA}.dependencies WHERE source = 'managed'`, [], databaseUrl(databaseName)).catch(() => []);
  for (const { id } of rows) {
    const name = `berth_${id.toLowerCase()}`;
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS "${name}"`);
  }
}
