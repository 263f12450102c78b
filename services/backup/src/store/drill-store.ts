import { changedColumns, firstRecord, seqPage, whereGiven, type Knex, type SeqWindow, type Db } from "@berth/runtime";

type Row = Record<string, unknown>;

export type DrillState = "pending" | "running" | "passed" | "failed";

/** One comparison a drill made: a manifest count against the restored one, or the check command's outcome. */
export interface DrillCheck {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

/** One row of berth_backup.drills: a restore of one backup into a scratch dependency, compared and checked. */
export interface DrillRecord {
  id: string;
  seq: string;
  backupId: string;
  dependencyId: string;
  status: DrillState;
  /** Safe reason on failure; never a driver message verbatim. */
  statusReason: string;
  /** Whether the app's own post-restore check command was given. */
  checkCommandConfigured: boolean;
  /** null until the check ran, and when none was configured. */
  checkPassed: boolean | null;
  checks: DrillCheck[];
  /** The scratch dependency the backup was restored into ("" before it exists). */
  scratchDependencyId: string;
  requestId: string | null;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  durationMs: number;
  /** The app's post-restore check (run with `sh -c`), "" when none. */
  checkCommand: string;
  /** The env var the scratch connection is delivered in. */
  checkEnv: string;
  checkTimeoutSeconds: number;
  /** The check's last output, every secret of the scratch connection masked. */
  checkOutput: string;
  scratchReleasedAt: Date | null;
  leaseOwner: string | null;
  attempts: number;
}

export type NewDrill = Pick<DrillRecord, "id" | "backupId" | "dependencyId" | "checkCommandConfigured"> &
  Partial<
    Pick<DrillRecord, "status" | "statusReason" | "checkPassed" | "checks" | "scratchDependencyId" | "requestId" | "requestFingerprint" | "startedAt" | "endedAt" | "durationMs" | "checkCommand" | "checkEnv" | "checkTimeoutSeconds">
  >;

export type DrillChanges = Partial<Omit<DrillRecord, "id" | "seq" | "backupId" | "dependencyId" | "createdAt" | "updatedAt" | "requestId" | "requestFingerprint" | "attempts">>;

export function drill(row: Row): DrillRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    backupId: row.backup_id as string,
    dependencyId: row.dependency_id as string,
    status: row.status as DrillState,
    statusReason: row.status_reason as string,
    checkCommandConfigured: row.check_command_configured as boolean,
    checkPassed: (row.check_passed as boolean | null) ?? null,
    checks: row.checks as DrillCheck[],
    scratchDependencyId: row.scratch_dependency_id as string,
    requestId: (row.request_id as string | null) ?? null,
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    endedAt: (row.ended_at as Date | null) ?? null,
    durationMs: Number(row.duration_ms),
    checkCommand: (row.check_command as string) ?? "",
    checkEnv: (row.check_env as string) || "DATABASE_URL",
    checkTimeoutSeconds: Number(row.check_timeout_seconds ?? 300),
    checkOutput: (row.check_output as string) ?? "",
    scratchReleasedAt: (row.scratch_released_at as Date | null) ?? null,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    attempts: Number(row.attempts ?? 0),
  };
}

/** A drill's changed fields as columns (its checks are stored as JSON). */
export function columns(changes: DrillChanges): Row {
  return changedColumns({ ...changes, checks: changes.checks && JSON.stringify(changes.checks) });
}

/** A drill that ended; the newest by end time first. */
const finishedNewestFirst = (q: Knex.QueryBuilder) => q.whereNotNull("ended_at").orderBy([{ column: "ended_at", order: "desc" }, { column: "seq", order: "desc" }]);

/**
 * SQL for berth_backup.drills. The only code that knows its columns; the drill
 * runner writes through it, readiness and retention read through it.
 */
export const drillStore = {
  async insert(db: Db, d: NewDrill): Promise<DrillRecord> {
    const [row] = await db("drills")
      .insert({ id: d.id, backup_id: d.backupId, dependency_id: d.dependencyId, status: d.status ?? "pending", request_id: d.requestId ?? null, request_fingerprint: d.requestFingerprint ?? null, ...columns({ ...d, status: undefined }) })
      .returning("*");
    return drill(row);
  },
  async get(db: Db, id: string): Promise<DrillRecord | undefined> {
    return firstRecord(db("drills").where({ id }), drill);
  },
  async byRequestId(db: Db, requestId: string): Promise<DrillRecord | undefined> {
    return firstRecord(db("drills").where({ request_id: requestId }), drill);
  },
  async update(db: Db, id: string, changes: DrillChanges): Promise<DrillRecord> {
    const [row] = await db("drills")
      .where({ id })
      .update({ ...columns(changes), updated_at: db.fn.now() })
      .returning("*");
    return drill(row);
  },
  /** Oldest first, for keyset pages. */
  async list(db: Db, f: { dependencyId?: string; backupId?: string; status?: DrillState } & SeqWindow): Promise<DrillRecord[]> {
    return (await seqPage(whereGiven(db("drills"), { dependency_id: f.dependencyId, backup_id: f.backupId, status: f.status }), f)).map(drill);
  },
  /** The dependency's most recently ended passed drill. */
  async latestPassed(db: Db, dependencyId: string): Promise<DrillRecord | undefined> {
    return firstRecord(finishedNewestFirst(db("drills").where({ dependency_id: dependencyId, status: "passed" })), drill);
  },
  /** The dependency's most recently ended drill, passed or failed. */
  async latestFinished(db: Db, dependencyId: string): Promise<DrillRecord | undefined> {
    return firstRecord(finishedNewestFirst(db("drills").where({ dependency_id: dependencyId }).whereIn("status", ["passed", "failed"])), drill);
  },
  /** Which of these backups have a passed drill. */
  async verifiedBackupIds(db: Db, backupIds: string[]): Promise<Set<string>> {
    if (backupIds.length === 0) return new Set();
    const rows: Array<{ backup_id: string }> = await db("drills").distinct("backup_id").whereIn("backup_id", backupIds).where("status", "passed");
    return new Set(rows.map((r) => r.backup_id));
  },
  /** Per dependency, its newest (by creation) retained backup with a passed drill. */
  async latestVerifiedBackupIds(db: Db, dependencyIds: string[]): Promise<Map<string, string>> {
    if (dependencyIds.length === 0) return new Map();
    const rows: Array<{ dependency_id: string; id: string }> = await db("backups as b")
      .distinctOn("b.dependency_id")
      .select("b.dependency_id", "b.id")
      .whereIn("b.dependency_id", [...new Set(dependencyIds)])
      .where("b.status", "succeeded")
      .whereNull("b.deleted_at")
      .whereExists((q) => q.select(db.raw("1")).from("drills as d").whereRaw("d.backup_id = b.id").where("d.status", "passed"))
      .orderBy([{ column: "b.dependency_id" }, { column: "b.seq", order: "desc" }]);
    return new Map(rows.map((r) => [r.dependency_id, r.id]));
  },
};
