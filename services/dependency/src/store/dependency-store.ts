import { changedColumns, firstRecord, insertUnlessTaken, seqPage, whereGiven, type SeqWindow, type Db } from "@berth/runtime";
import type { ConnectionVerificationState, DependencyRecord, DependencyState, StoredDataClass } from "./records.js";


export interface Row {
  id: string;
  seq: string;
  project_id: string;
  environment_id: string;
  name: string;
  kind: string;
  source: DependencyRecord["source"];
  status: DependencyState;
  status_reason: string;
  progress_message: string;
  metadata: Record<string, string>;
  secret_version: number | null;
  masked_url: string;
  provenance: Record<string, string | number>;
  realization_target: string;
  deletion_protection: boolean;
  data_class: StoredDataClass;
  connection_verification: ConnectionVerificationState;
  connection_verification_reason: string;
  connection_checked_at: Date | null;
  request_id: string | null;
  request_fingerprint: string;
  realize_attempts: number;
  lease_owner: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export function fromRow(row: Row): DependencyRecord {
  return {
    id: row.id,
    seq: String(row.seq),
    projectId: row.project_id,
    environmentId: row.environment_id,
    name: row.name,
    kind: row.kind,
    source: row.source,
    status: row.status,
    statusReason: row.status_reason,
    progressMessage: row.progress_message,
    metadata: row.metadata,
    secretVersion: row.secret_version,
    maskedUrl: row.masked_url,
    provenance: row.provenance,
    realizationTarget: row.realization_target,
    deletionProtection: row.deletion_protection,
    dataClass: row.data_class,
    connectionVerification: row.connection_verification ?? "unverified",
    connectionVerificationReason: row.connection_verification_reason ?? "",
    connectionCheckedAt: row.connection_checked_at ?? null,
    requestId: row.request_id,
    requestFingerprint: row.request_fingerprint,
    realizeAttempts: row.realize_attempts,
    leaseOwner: row.lease_owner ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export interface NewDependency {
  id: string;
  projectId: string;
  environmentId: string;
  name: string;
  kind: string;
  source: DependencyRecord["source"];
  status: DependencyState;
  metadata: Record<string, string>;
  maskedUrl: string;
  secretVersion: number | null;
  provenance: Record<string, string | number>;
  realizationTarget: string;
  deletionProtection: boolean;
  dataClass: StoredDataClass;
  /** Default unverified: only a passed probe makes it verified. */
  connectionVerification?: ConnectionVerificationState;
  connectionCheckedAt?: Date | null;
  requestId: string;
  requestFingerprint: string;
}

export interface DependencyChanges {
  status?: DependencyState;
  statusReason?: string;
  progressMessage?: string;
  metadata?: Record<string, string>;
  secretVersion?: number | null;
  maskedUrl?: string;
  deletionProtection?: boolean;
  dataClass?: StoredDataClass;
  realizeAttempts?: number;
  leaseOwner?: string | null;
  deletedAt?: Date;
  connectionVerification?: ConnectionVerificationState;
  connectionVerificationReason?: string;
  connectionCheckedAt?: Date | null;
}

export interface ListFilter extends SeqWindow {
  projectId?: string;
  environmentId?: string;
  kind?: string;
  name?: string;
  status?: DependencyState;
  showDeleted: boolean;
}


/** SQL for berth_dependency.dependencies. The only code that knows its columns. */
export const dependencyStore = {
  async insert(db: Db, record: NewDependency): Promise<DependencyRecord | "name_taken"> {
    return insertUnlessTaken(
      async () => {
        const [row] = await db<Row>("dependencies")
          .insert({
            id: record.id,
            project_id: record.projectId,
            environment_id: record.environmentId,
            name: record.name,
            kind: record.kind,
            source: record.source,
            status: record.status,
            metadata: JSON.stringify(record.metadata) as unknown as Record<string, string>,
            masked_url: record.maskedUrl,
            secret_version: record.secretVersion,
            provenance: JSON.stringify(record.provenance) as unknown as Record<string, string>,
            realization_target: record.realizationTarget,
            deletion_protection: record.deletionProtection,
            data_class: record.dataClass,
            connection_verification: record.connectionVerification ?? "unverified",
            connection_checked_at: record.connectionCheckedAt ?? null,
            request_id: record.requestId,
            request_fingerprint: record.requestFingerprint,
          })
          .returning("*");
        return fromRow(row as Row);
      },
      { dependencies_live_name: "name_taken" },
    );
  },

  async get(db: Db, id: string, options: { forUpdate?: boolean } = {}): Promise<DependencyRecord | undefined> {
    const query = db("dependencies").where({ id });
    return firstRecord(options.forUpdate ? query.forUpdate() : query, fromRow);
  },

  async getMany(db: Db, ids: string[]): Promise<DependencyRecord[]> {
    if (ids.length === 0) return [];
    return ((await db<Row>("dependencies").whereIn("id", ids)) as Row[]).map(fromRow);
  },

  /** The ids among `ids` of dependencies that are not deleted (ids only: cheap for batches). */
  async liveIds(db: Db, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: Array<{ id: string }> = await db("dependencies").select("id").whereIn("id", ids).whereNot("status", "deleted");
    return new Set(rows.map((r) => r.id));
  },

  async getByRequestId(db: Db, requestId: string): Promise<DependencyRecord | undefined> {
    return firstRecord(db("dependencies").where({ request_id: requestId }), fromRow);
  },

  async update(db: Db, id: string, changes: DependencyChanges): Promise<DependencyRecord> {
    const patch = { ...changedColumns({ ...changes, metadata: changes.metadata && JSON.stringify(changes.metadata) }), updated_at: db.fn.now() };
    const [row] = await db<Row>("dependencies").where({ id }).update(patch).returning("*");
    return fromRow(row as Row);
  },

  async list(db: Db, filter: ListFilter): Promise<DependencyRecord[]> {
    const query = whereGiven(db("dependencies"), { project_id: filter.projectId, environment_id: filter.environmentId, kind: filter.kind, name: filter.name, status: filter.status });
    if (!filter.showDeleted) query.whereNull("deleted_at");
    return ((await seqPage(query, filter)) as Row[]).map(fromRow);
  },

  /** Dependencies left in a working state longer than `olderThanMs` (for the reconciler). */
  async listStale(db: Db, states: DependencyState[], olderThanMs: number, limit = 100): Promise<DependencyRecord[]> {
    const rows = await db<Row>("dependencies")
      .whereIn("status", states)
      .where("updated_at", "<", new Date(Date.now() - olderThanMs))
      .orderBy("updated_at")
      .limit(limit);
    return (rows as Row[]).map(fromRow);
  },
};
