import type { Dependency, Provenance } from "@berth/client";
import { redactSecrets, type Provider } from "@berth/provider-sdk";
import { ArtifactCorruptError } from "../artifacts/sealed-stream.js";
import { providerFailureMessage, type JobLeaseSettings, type Keyring, type Knex, type Logger, type OutboxRelay } from "@berth/runtime";
import type { ArtifactCompression } from "../store/store.js";
import type { ArtifactStore } from "../artifacts/artifact-store.js";
import type { BackupRecord } from "../store/store.js";

/** The dependency service as the backup service uses it: through its RPCs. */
export interface DependencyPeer {
  get(id: string): Promise<Dependency | undefined>;
  /**
   * Whether the dependency service can deliver `secretRef` (it exists and opens with
   * the configured master keys), asked without receiving the value. True when the
   * answer cannot be had (the job then finds out and retries).
   */
  isResolvable(secretRef: string): Promise<boolean>;
  /** The connection for the worker; used only inside a running job. */
  resolve(secretRef: string, purpose: string): Promise<string>;
  /** Provisions a managed dependency (idempotent by request id); returned at once, usually still provisioning. */
  /** Deletes (releases) a dependency; deleting a deleted one returns it. */
  release(id: string, requestId: string): Promise<Dependency>;
  provision(input: {
    requestId: string;
    projectId: string;
    environmentId: string;
    name: string;
    kind: string;
    realizationTarget: string;
    restoredFromBackupId: string;
    /** The caller's provenance (berth.yaml deploy of a preview…); manual when absent. */
    provenance?: Provenance;
  }): Promise<Dependency>;
}

export interface BackupContext {
  db: Knex;
  dependencies: DependencyPeer;
  /** Providers by kind (those that declare native backup are used for it). */
  providers: Map<string, Provider>;
  artifacts: ArtifactStore;
  keyring: Keyring;
  /** How new artifacts are compressed inside the seal (operator config `backupCompression`). */
  compression: ArtifactCompression;
  relay: OutboxRelay;
  log: Logger;
  /** This process's instance id (lease owner), heartbeat period, lease TTL and attempt bound. */
  jobs: JobLeaseSettings;
  /** Called when a backup reaches succeeded or failed (policy attempts and retries hook in here). */
  onSettled(backup: BackupRecord): Promise<void>;
}

export const BACKUP_QUEUE = "backup.run";
export const RESTORE_QUEUE = "backup.restore";
export const DRILL_QUEUE = "backup.drill";

/** Said on every restore: what it does not do. */
export const RESTORE_TO_NEW_NOTICE =
  "restore into a new dependency: the source dependency is not touched; bind the new one to use it";
export const RESTORE_NOTICE =
  "in-place restore of this dependency only: it does not restart runtimes, change bindings or rewrite deployment snapshots";

/**
 * A status reason safe to show: typed provider and artifact errors say what
 * happened (redacted); anything else is summarised, with details in the log.
 */
export function safeJobReason(error: unknown, secrets: string[], log: Logger, what: string): string {
  const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
  if (error instanceof ArtifactCorruptError) return message;
  const fromProvider = providerFailureMessage(error, secrets);
  if (fromProvider !== undefined) return fromProvider;
  log.error({ error: message }, `${what} failed unexpectedly`);
  return `${what} failed unexpectedly; the server log has details`;
}
