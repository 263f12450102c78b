import type { BackupManifest } from "@berth/provider-sdk";
import { changedColumns, firstRecord, insertUnlessTaken, seqPage, whereGiven, type SeqWindow, type Db } from "@berth/runtime";

type Row = Record<string, unknown>;

export type BackupState = "pending" | "running" | "succeeded" | "failed";

/** Artifact compression: gzip level 1 (smaller) or none (faster where CPU is short). */
export type ArtifactCompression = "gzip" | "none";

export interface BackupRecord {
  id: string;
  seq: string;
  dependencyId: string;
  kind: "native" | "metadata_only";
  metadataOnlyReason: string;
  status: BackupState;
  statusReason: string;
  sizeBytes: number;
  bytesDone: number;
  durationMs: number;
  sha256: string;
  format: string;
  /** "gzip" or "none": how the artifact's plaintext is compressed inside the seal. */
  compression: ArtifactCompression;
  trigger: "manual" | "scheduled" | "pre-restore";
  policyId: string;
  artifactKey: string;
  keyId: string;
  wrappedKey: Buffer | null;
  sealedDataKey: Buffer | null;
  /** What the artifact holds (engine, tool, content counts), from the provider; null when it gives none. */
  manifest: BackupManifest | null;
  expireAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  deletedAt: Date | null;
  /** Instance id of the worker running it (null unless running). */
  leaseOwner: string | null;
  /** Times a worker claimed it. */
  attempts: number;
  cancelRequestedAt: Date | null;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
}

export interface RestoreRecord {
  id: string;
  seq: string;
  backupId: string;
  dependencyId: string;
  status: BackupState;
  statusReason: string;
  bytesRestored: number;
  bytesTotal: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  leaseOwner: string | null;
  attempts: number;
  cancelRequestedAt: Date | null;
  /** Set when the worker began writing into the target (null: the target was not touched). */
  targetWriteStartedAt: Date | null;
  /** Whether the engine rolls an unfinished restore back (Postgres: one transaction). */
  targetRollsBack: boolean;
  dependencyKind: string;
  safetyBackupId: string;
  skipSafetyBackup: boolean;
  rolledBack: boolean;
  /** The dependency the backup was taken of (the restore's own dependency unless restored into a new one). */
  sourceDependencyId: string;
  toNewDependency: boolean;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
}

/** Lease columns every job row has. */
function leaseOf(row: Row): { leaseOwner: string | null; attempts: number; cancelRequestedAt: Date | null } {
  return { leaseOwner: (row.lease_owner as string | null) ?? null, attempts: Number(row.attempts ?? 0), cancelRequestedAt: (row.cancel_requested_at as Date | null) ?? null };
}

export function backup(row: Row): BackupRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    dependencyId: row.dependency_id as string,
    kind: row.kind as BackupRecord["kind"],
    metadataOnlyReason: row.metadata_only_reason as string,
    status: row.status as BackupState,
    statusReason: row.status_reason as string,
    sizeBytes: Number(row.size_bytes),
    bytesDone: Number(row.bytes_done),
    durationMs: Number(row.duration_ms),
    sha256: row.sha256 as string,
    format: row.format as string,
    compression: row.compression as ArtifactCompression,
    trigger: row.trigger as BackupRecord["trigger"],
    policyId: row.policy_id as string,
    artifactKey: row.artifact_key as string,
    keyId: row.key_id as string,
    wrappedKey: (row.wrapped_key as Buffer | null) ?? null,
    sealedDataKey: (row.sealed_data_key as Buffer | null) ?? null,
    manifest: (row.manifest as BackupManifest | null) ?? null,
    expireAt: (row.expire_at as Date | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    endedAt: (row.ended_at as Date | null) ?? null,
    deletedAt: (row.deleted_at as Date | null) ?? null,
    ...leaseOf(row),
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
  };
}

export function restore(row: Row): RestoreRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    backupId: row.backup_id as string,
    dependencyId: row.dependency_id as string,
    status: row.status as BackupState,
    statusReason: row.status_reason as string,
    bytesRestored: Number(row.bytes_restored),
    bytesTotal: Number(row.bytes_total),
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    endedAt: (row.ended_at as Date | null) ?? null,
    ...leaseOf(row),
    targetWriteStartedAt: (row.target_write_started_at as Date | null) ?? null,
    targetRollsBack: Boolean(row.target_rolls_back),
    dependencyKind: (row.dependency_kind as string) ?? "",
    safetyBackupId: (row.safety_backup_id as string) ?? "",
    skipSafetyBackup: Boolean(row.skip_safety_backup),
    rolledBack: Boolean(row.rolled_back),
    sourceDependencyId: (row.source_dependency_id as string) || (row.dependency_id as string),
    toNewDependency: Boolean(row.to_new_dependency),
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
  };
}

/** SQL for berth_backup. The only code that knows its columns. */
export const store = {
  async insertBackup(db: Db, b: Pick<BackupRecord, "id" | "dependencyId" | "kind" | "metadataOnlyReason" | "status" | "trigger" | "policyId" | "artifactKey" | "expireAt" | "requestFingerprint"> & { requestId: string | null }): Promise<BackupRecord> {
    const [row] = await db("backups")
      .insert({
        id: b.id,
        dependency_id: b.dependencyId,
        kind: b.kind,
        metadata_only_reason: b.metadataOnlyReason,
        status: b.status,
        trigger: b.trigger,
        policy_id: b.policyId,
        artifact_key: b.artifactKey,
        expire_at: b.expireAt,
        request_id: b.requestId,
        request_fingerprint: b.requestFingerprint,
        ended_at: b.status === "succeeded" ? db.fn.now() : null,
      })
      .returning("*");
    return backup(row);
  },
  async getBackup(db: Db, id: string, forUpdate = false): Promise<BackupRecord | undefined> {
    const query = db("backups").where({ id });
    return firstRecord(forUpdate ? query.forUpdate() : query, backup);
  },
  async backupByRequestId(db: Db, requestId: string): Promise<BackupRecord | undefined> {
    return firstRecord(db("backups").where({ request_id: requestId }), backup);
  },
  async updateBackup(db: Db, id: string, changes: Partial<Omit<BackupRecord, "id" | "seq">>): Promise<BackupRecord> {
    const [row] = await db("backups").where({ id }).update({ ...changedColumns(changes), updated_at: db.fn.now() }).returning("*");
    return backup(row);
  },
  async listBackups(db: Db, f: { dependencyId?: string; status?: BackupState; showDeleted: boolean } & SeqWindow): Promise<BackupRecord[]> {
    const q = whereGiven(db("backups"), { dependency_id: f.dependencyId, status: f.status });
    if (!f.showDeleted) q.whereNull("deleted_at");
    return (await seqPage(q, f)).map(backup);
  },
  /** The dependency's retained succeeded backup that ended last (native only when asked). */
  async latestSucceeded(db: Db, dependencyId: string, options: { nativeOnly: boolean }): Promise<BackupRecord | undefined> {
    const q = db("backups").where({ dependency_id: dependencyId, status: "succeeded" }).whereNull("deleted_at");
    if (options.nativeOnly) q.where("kind", "native");
    return firstRecord(q.orderBy([{ column: "ended_at", order: "desc", nulls: "last" }, { column: "seq", order: "desc" }]), backup);
  },
  /**
   * Backups past their expiry that retention may delete: never a dependency's
   * newest succeeded backup, its newest succeeded native one, nor its newest
   * verified one (a passed drill), whatever their age. Oldest expiry first.
   */
  async expiredUnheldBackupIds(db: Db, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await db.raw(
      `SELECT b.id FROM backups b
        WHERE b.deleted_at IS NULL AND b.expire_at IS NOT NULL AND b.expire_at <= now()
          AND NOT (b.status = 'succeeded' AND NOT EXISTS (
                SELECT 1 FROM backups n WHERE n.dependency_id = b.dependency_id AND n.status = 'succeeded' AND n.deleted_at IS NULL AND n.seq > b.seq))
          AND NOT (b.status = 'succeeded' AND b.kind = 'native' AND NOT EXISTS (
                SELECT 1 FROM backups n WHERE n.dependency_id = b.dependency_id AND n.status = 'succeeded' AND n.kind = 'native' AND n.deleted_at IS NULL AND n.seq > b.seq))
          AND NOT (b.status = 'succeeded'
                AND EXISTS (SELECT 1 FROM drills d WHERE d.backup_id = b.id AND d.status = 'passed')
                AND NOT EXISTS (
                  SELECT 1 FROM backups n JOIN drills d ON d.backup_id = n.id AND d.status = 'passed'
                   WHERE n.dependency_id = b.dependency_id AND n.status = 'succeeded' AND n.deleted_at IS NULL AND n.seq > b.seq))
        ORDER BY b.expire_at
        LIMIT ?`,
      [limit],
    ).then((result: { rows: Array<{ id: string }> }) => result.rows);
    return rows.map((r) => r.id);
  },
  /** Restore points a dependency delete must respect: succeeded and not deleted. */
  async retainedFor(db: Db, dependencyId: string): Promise<BackupRecord[]> {
    return (await db("backups").where({ dependency_id: dependencyId, status: "succeeded" }).whereNull("deleted_at")).map(backup);
  },

  async insertRestore(
    db: Db,
    r: { id: string; backupId: string; dependencyId: string; sourceDependencyId: string; toNewDependency: boolean; skipSafetyBackup: boolean; bytesTotal: number; requestId: string | null; requestFingerprint: string },
  ): Promise<RestoreRecord | "in_flight" | "request_id_taken"> {
    return insertUnlessTaken(
      async () => {
        const [row] = await db("restores")
          .insert({
            id: r.id,
            backup_id: r.backupId,
            dependency_id: r.dependencyId,
            source_dependency_id: r.sourceDependencyId,
            to_new_dependency: r.toNewDependency,
            skip_safety_backup: r.skipSafetyBackup,
            status: "pending",
            bytes_total: r.bytesTotal,
            request_id: r.requestId,
            request_fingerprint: r.requestFingerprint,
          })
          .returning("*");
        return restore(row);
      },
      { restores_one_in_flight: "in_flight", restores_request_id_unique: "request_id_taken" },
    );
  },
  async getRestore(db: Db, id: string, forUpdate = false): Promise<RestoreRecord | undefined> {
    const query = db("restores").where({ id });
    return firstRecord(forUpdate ? query.forUpdate() : query, restore);
  },
  async restoreByRequestId(db: Db, requestId: string): Promise<RestoreRecord | undefined> {
    return firstRecord(db("restores").where({ request_id: requestId }), restore);
  },
  async updateRestore(db: Db, id: string, changes: Partial<Omit<RestoreRecord, "id" | "seq">>): Promise<RestoreRecord> {
    const [row] = await db("restores").where({ id }).update({ ...changedColumns(changes), updated_at: db.fn.now() }).returning("*");
    return restore(row);
  },
  async listRestores(db: Db, f: { dependencyId?: string; backupId?: string } & SeqWindow): Promise<RestoreRecord[]> {
    return (await seqPage(whereGiven(db("restores"), { dependency_id: f.dependencyId, backup_id: f.backupId }), f)).map(restore);
  },
  /** Restores (in place or into a new dependency) and drills that are still reading a backup's artifact. */
  async artifactReaders(db: Db, backupId: string): Promise<string[]> {
    const restores = await db("restores").where({ backup_id: backupId }).whereIn("status", ["pending", "running"]).select("id");
    const drills = await db("drills").where({ backup_id: backupId }).whereIn("status", ["pending", "running"]).select("id");
    return [...restores, ...drills].map((r: { id: string }) => r.id);
  },
  async inFlightRestores(db: Db, dependencyId: string): Promise<RestoreRecord[]> {
    return (await db("restores").where({ dependency_id: dependencyId }).whereIn("status", ["pending", "running"])).map(restore);
  },
};
