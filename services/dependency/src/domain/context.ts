import type { DependencyReference } from "@berth/client";
import type { JobLeaseSettings, Knex, Logger, OutboxRelay } from "@berth/runtime";
import type { ProviderRegistry } from "../provider-registry.js";
import type { SecretStore } from "../store/secret-store.js";
import type { DependencyRecord } from "../store/records.js";

/**
 * A source of references that block deleting a dependency. The dependency
 * service asks every check before it deletes; binding, deployment and backup
 * add theirs (through their internal RPCs) when they are wired in.
 */
export interface ReferenceCheck {
  name: string;
  find(dependency: DependencyRecord, signal: AbortSignal): Promise<DependencyReference[]>;
}

/** The ports domain functions work with: plain objects, no gRPC. */
export interface DependencyContext {
  db: Knex;
  secrets: SecretStore;
  providers: ProviderRegistry;
  relay: OutboxRelay;
  referenceChecks: ReferenceCheck[];
  log: Logger;
  /** This process's instance id (lease owner), heartbeat period, lease TTL and attempt bound. */
  jobs: JobLeaseSettings;
}

export const REALIZE_QUEUE = "dependency.realize";
