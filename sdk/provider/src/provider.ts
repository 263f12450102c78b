import type { Readable, Writable } from "node:stream";
import type { BackupManifest, ContentStats } from "./manifest.js";

/** What a provider can do, declared as data so Berth and the conformance kit can plan around it. */
export interface ProviderCapabilities {
  /** Creates databases/users/buckets on a realization target. */
  realize: boolean;
  /** Removes what realize created. */
  release: boolean;
  /**
   * Proves a connection works: logs in with its credentials and checks that what
   * the URL names exists and may be used (see {@link Provider.probe}).
   */
  probe: boolean;
  /** Streams a native logical backup. */
  backup: boolean;
  /** Streams a backup back in place. */
  restore: boolean;
  /** Issues a new password for a realized dependency. */
  rotate: boolean;
  /** Name of the native backup format, e.g. "pg_dump-custom". */
  backupFormat?: string;
  /**
   * True when a restore that is aborted or cut off leaves the target exactly as it
   * was (the engine applies it in one transaction, e.g. `pg_restore --single-transaction`).
   * Berth then tells the user a cancelled or interrupted restore left the target unchanged;
   * otherwise it says the target may hold partially restored data.
   */
  transactionalRestore?: boolean;
  /**
   * Backups return a {@link BackupManifest} taken in the dump's snapshot,
   * `describeContent` reads live content the same way, and restore refuses a
   * manifest the target cannot load (`incompatible_version`). Optional part of SDK v1.
   */
  manifest?: boolean;
}

/**
 * Identifies a provider package; it is `provider.manifest` of the module a plugin exports.
 *
 * @example
 * export const manifest: ProviderManifest = {
 *   name: "@acme/berth-provider-mongodb", version: "1.2.0", sdkVersion: "^1.0.0",
 *   kinds: ["mongodb"], capabilities: { realize: true, release: true, probe: true, backup: false, restore: false, rotate: false },
 * };
 */
export interface ProviderManifest {
  name: string;
  version: string;
  /** Range of the provider SDK contract this provider was built for ("^1.0.0"). */
  sdkVersion: string;
  /** Dependency kinds this provider handles ("postgres", "object-storage", …). */
  kinds: string[];
  capabilities: ProviderCapabilities;
  /**
   * Whether runtime targets that deliver secrets may inject this provider's
   * connections into apps (the connection URL as an env var, e.g. DATABASE_URL).
   * Default true; false for kinds whose connections are for Berth only.
   */
  injectable?: boolean;
}

/**
 * A server Berth administers, from operator configuration (never repository config).
 * `adminUrl` is a secret: providers must never put it in metadata, messages or logs.
 */
export interface RealizationTarget {
  name: string;
  kind: string;
  adminUrl: string;
  /** Host name to put in delivered connection URLs when it differs from the admin URL's. */
  publicHost?: string;
}

/** Safe facts about a connection: host, port, database, user… never a password. */
export type SafeMetadata = Record<string, string>;

export interface OperationContext {
  /** Aborted when the job is cancelled or the process shuts down. */
  signal: AbortSignal;
  /** Safe progress lines ("creating role"). */
  progress?: (message: string) => void;
}

export interface RealizeRequest extends OperationContext {
  /** Berth's dependency id (dep_…); providers derive stable, unique names from it. */
  dependencyId: string;
  /** The user-facing dependency name, for labels only. */
  name: string;
  kind: string;
  target: RealizationTarget;
}

export interface RealizeResult {
  metadata: SafeMetadata;
  /** The delivered connection. Stored encrypted by Berth; never logged. */
  connectionUrl: string;
}

export interface ReleaseRequest extends OperationContext {
  dependencyId: string;
  kind: string;
  target: RealizationTarget;
  metadata: SafeMetadata;
}

/** What {@link Provider.describeLeftovers} is told: the dependency and its target, no connection. */
export interface LeftoversRequest {
  dependencyId: string;
  kind: string;
  /** Realization target name (the admin URL is not passed: the answer is named, not looked up). */
  targetName: string;
  /** Safe metadata realize returned; empty when realization never finished. */
  metadata: SafeMetadata;
}

export interface ProbeRequest extends OperationContext {
  kind: string;
  connectionUrl: string;
  /**
   * The dependency's safe metadata when Berth has it (a managed dependency's key
   * prefix, bucket or index prefix), so the probe can check access to exactly that.
   */
  metadata?: SafeMetadata;
}

export interface BackupRequest extends OperationContext {
  kind: string;
  connectionUrl: string;
  /**
   * The dependency's safe metadata as realize (or describeConnection) returned it,
   * e.g. the key prefix or bucket a managed dependency owns. Back up only that.
   */
  metadata?: SafeMetadata;
  /** Where the artifact bytes go; the provider ends it when done. */
  sink: Writable;
}

export interface BackupResult {
  format: string;
  /** What the artifact holds, counted in the dump's own snapshot; set when `capabilities.manifest` is true. */
  manifest?: BackupManifest;
}

export interface RestoreRequest extends OperationContext {
  kind: string;
  connectionUrl: string;
  /** As in BackupRequest: what the dependency owns; restore touches only that. */
  metadata?: SafeMetadata;
  source: Readable;
  format: string;
  /**
   * The manifest the backup returned; absent for backups made before manifests
   * (restore them as before). A provider declaring `capabilities.manifest`
   * checks it before touching anything and throws
   * ProviderError("incompatible_version") for a dump the target cannot load.
   */
  manifest?: BackupManifest;
  /**
   * What the backed-up dependency owned (its `metadata` at backup time), when the
   * restore goes into another dependency (a restore into a new one, a drill's
   * scratch copy): a provider that scopes data by name (a key prefix) maps the
   * source's names onto the target's. Absent or equal to `metadata` in place.
   */
  sourceMetadata?: SafeMetadata;
}

/** What `describeContent` reads: the same dependency, through the same connection, as a backup would. */
export interface DescribeContentRequest extends OperationContext {
  kind: string;
  connectionUrl: string;
  /** As in BackupRequest: count only what the dependency owns. */
  metadata?: SafeMetadata;
}

/** What a provider says about a connection URL without touching the network. */
export interface ConnectionDescription {
  metadata: SafeMetadata;
  maskedUrl: string;
}

/**
 * The provider contract (SDK v1). Every method is idempotent: realizing what exists
 * returns it, releasing what is gone succeeds. Methods not declared in
 * `manifest.capabilities` may be left out.
 *
 * @example
 * export const provider: Provider = {
 *   manifest,
 *   describeConnection: (kind, url) => ({ metadata: { host: new URL(url).hostname }, maskedUrl: maskConnectionUrl(url) }),
 *   async realize(req) { ...; return { metadata, connectionUrl }; },
 *   async release(req) { ... },
 * };
 */
export interface Provider {
  manifest: ProviderManifest;
  /** Validates a connection URL of `kind` and returns safe metadata. Throws ProviderError("invalid_input", …, { field }). */
  describeConnection(kind: string, connectionUrl: string): ConnectionDescription;
  realize?(request: RealizeRequest): Promise<RealizeResult>;
  release?(request: ReleaseRequest): Promise<void>;
  /**
   * Proves the connection: logs in with the URL's credentials and checks that what
   * it names (database, bucket, index, key prefix) exists and may be used. Resolves
   * when it does; otherwise throws a ProviderError saying which part is wrong:
   * `target_unavailable` (nothing answers), `authentication_failed`,
   * `database_missing` or `permission_denied`. Never changes anything; messages
   * never quote the URL or the password.
   *
   * @example
   * async probe({ connectionUrl, signal }) {
   *   try { await client.login(connectionUrl, { signal }); }
   *   catch (e) { if (e.code === "AUTH") throw new ProviderError("authentication_failed", "the server rejected the user or password"); throw e; }
   * }
   */
  probe?(request: ProbeRequest): Promise<void>;
  /**
   * Optional: what `release` would remove for this dependency, named so an operator
   * can remove it by hand when Berth forgets a dependency without releasing it
   * (`berth dependency delete --force`), e.g. `["database berth_dep_7hqk2x", "role berth_dep_7hqk2x"]`.
   * Pure: no network, no secrets.
   */
  describeLeftovers?(request: LeftoversRequest): string[];
  backup?(request: BackupRequest): Promise<BackupResult>;
  restore?(request: RestoreRequest): Promise<void>;
  /**
   * Counts the live content the way `backup` counts it into its manifest, so a
   * restored copy can be checked with `compareContent`. Read-only.
   * Required when `capabilities.manifest` is true.
   */
  describeContent?(request: DescribeContentRequest): Promise<ContentStats>;
}
