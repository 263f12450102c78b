import { firstRecord, seqPage, whereGiven, type Knex, type SeqWindow, type Db } from "@berth/runtime";

type Row = Record<string, unknown>;

export interface PolicyRecord {
  id: string;
  seq: string;
  dependencyId: string;
  /** Whole hours (0 for a policy of less than an hour); intervalMinutes is exact. */
  intervalHours: number;
  intervalMinutes: number;
  retentionDays: number;
  retryOnFailure: boolean;
  enabled: boolean;
  consecutiveFailures: number;
  /** Drill every Nth scheduled backup (0: never). */
  verifyEvery: number;
  backupsSinceVerify: number;
  nextRunAt: Date;
  /** Why Berth disabled the policy itself (its dependency was deleted); "" otherwise. */
  disabledReason: string;
  createdAt: Date;
  updatedAt: Date;
}

export type AttemptOutcome = "running" | "succeeded" | "failed" | "skipped";

export interface AttemptRecord {
  id: string;
  seq: string;
  policyId: string;
  dependencyId: string;
  backupId: string;
  trigger: "manual" | "scheduled";
  outcome: AttemptOutcome;
  reason: string;
  startedAt: Date;
  endedAt: Date | null;
}

function policy(row: Row): PolicyRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    dependencyId: row.dependency_id as string,
    intervalHours: Math.floor(Number(row.interval_minutes) / 60),
    intervalMinutes: Number(row.interval_minutes),
    retentionDays: row.retention_days as number,
    retryOnFailure: row.retry_on_failure as boolean,
    enabled: row.enabled as boolean,
    consecutiveFailures: row.consecutive_failures as number,
    verifyEvery: Number(row.verify_every ?? 0),
    backupsSinceVerify: Number(row.backups_since_verify ?? 0),
    nextRunAt: row.next_run_at as Date,
    disabledReason: (row.disabled_reason as string | undefined) ?? "",
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

function attempt(row: Row): AttemptRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    policyId: row.policy_id as string,
    dependencyId: row.dependency_id as string,
    backupId: row.backup_id as string,
    trigger: row.trigger as AttemptRecord["trigger"],
    outcome: row.outcome as AttemptOutcome,
    reason: row.reason as string,
    startedAt: row.started_at as Date,
    endedAt: (row.ended_at as Date | null) ?? null,
  };
}

/** SQL for backup policies and their attempts. */
export const policyStore = {
  /** Creates or replaces the one policy of a dependency. */
  async upsert(db: Db, p: { id: string; dependencyId: string; intervalMinutes: number; retentionDays: number; retryOnFailure: boolean; enabled: boolean; verifyEvery: number; nextRunAt: Date }): Promise<PolicyRecord> {
    const settings = {
      interval_hours: Math.floor(p.intervalMinutes / 60),
      interval_minutes: p.intervalMinutes,
      retention_days: p.retentionDays,
      retry_on_failure: p.retryOnFailure,
      enabled: p.enabled,
      disabled_reason: "",
      verify_every: p.verifyEvery,
      next_run_at: p.nextRunAt,
    };
    const [row] = await db("backup_policies")
      .insert({ id: p.id, dependency_id: p.dependencyId, ...settings })
      .onConflict("dependency_id")
      .merge({ ...settings, consecutive_failures: 0, updated_at: db.fn.now() })
      .returning("*");
    return policy(row);
  },
  async get(db: Db, where: { id?: string; dependencyId?: string }): Promise<PolicyRecord | undefined> {
    return firstRecord(db("backup_policies").where(where.id ? { id: where.id } : { dependency_id: where.dependencyId }), policy);
  },
  async list(db: Db, f: { dependencyId?: string; enabledOnly: boolean } & SeqWindow): Promise<PolicyRecord[]> {
    const q = whereGiven(db("backup_policies"), { dependency_id: f.dependencyId });
    if (f.enabledOnly) q.where("enabled", true);
    return (await seqPage(q, f)).map(policy);
  },
  /** Due policies, locked for this transaction; other replicas skip them (exactly-once dispatch). */
  async claimDue(trx: Knex.Transaction, limit = 20): Promise<PolicyRecord[]> {
    return (await trx("backup_policies").where("enabled", true).where("next_run_at", "<=", trx.fn.now()).orderBy("next_run_at").limit(limit).forUpdate().skipLocked()).map(policy);
  },
  /** Counts a succeeded scheduled backup; true (and the count reset) when this one is due a drill. */
  async countTowardsDrill(db: Db, id: string): Promise<boolean> {
    const [row] = await db("backup_policies").where({ id }).update({ backups_since_verify: db.raw("backups_since_verify + 1") }).returning(["verify_every", "backups_since_verify"]);
    if (!row || row.verify_every <= 0 || row.backups_since_verify < row.verify_every) return false;
    await db("backup_policies").where({ id }).update({ backups_since_verify: 0 });
    return true;
  },
  /** Disables a policy for a reason of Berth's own (its dependency was deleted); a no-op when already so. */
  async retire(db: Db, id: string, reason: string): Promise<PolicyRecord | undefined> {
    const [row] = await db("backup_policies").where({ id }).update({ enabled: false, disabled_reason: reason, updated_at: db.fn.now() }).returning("*");
    return row ? policy(row) : undefined;
  },
  async reschedule(db: Db, id: string, nextRunAt: Date, consecutiveFailures?: number): Promise<void> {
    const patch: Record<string, unknown> = { next_run_at: nextRunAt, updated_at: db.fn.now() };
    if (consecutiveFailures !== undefined) patch.consecutive_failures = consecutiveFailures;
    await db("backup_policies").where({ id }).update(patch);
  },

  async insertAttempt(db: Db, a: { id: string; policyId: string; dependencyId: string; trigger: AttemptRecord["trigger"]; outcome: AttemptOutcome; reason?: string }): Promise<AttemptRecord> {
    const [row] = await db("backup_attempts")
      .insert({ id: a.id, policy_id: a.policyId, dependency_id: a.dependencyId, trigger: a.trigger, outcome: a.outcome, reason: a.reason ?? "", ended_at: a.outcome === "running" ? null : db.fn.now() })
      .returning("*");
    return attempt(row);
  },
  async finishAttempt(db: Db, id: string, outcome: AttemptOutcome, reason: string): Promise<void> {
    await db("backup_attempts").where({ id }).update({ outcome, reason, ended_at: db.fn.now() });
  },
  async setAttemptBackup(db: Db, id: string, backupId: string): Promise<void> {
    await db("backup_attempts").where({ id }).update({ backup_id: backupId });
  },
  async finishAttemptOf(db: Db, backupId: string, outcome: AttemptOutcome, reason: string): Promise<AttemptRecord | undefined> {
    const [row] = await db("backup_attempts").where({ backup_id: backupId, outcome: "running" }).update({ outcome, reason, ended_at: db.fn.now() }).returning("*");
    return row ? attempt(row) : undefined;
  },
  async lastAttempt(db: Db, policyId: string): Promise<AttemptRecord | undefined> {
    return firstRecord(db("backup_attempts").where({ policy_id: policyId }).orderBy("seq", "desc"), attempt);
  },
  async listAttempts(db: Db, f: { policyId?: string; dependencyId?: string; outcome?: AttemptOutcome } & SeqWindow): Promise<AttemptRecord[]> {
    return (await seqPage(whereGiven(db("backup_attempts"), { policy_id: f.policyId, dependency_id: f.dependencyId, outcome: f.outcome }), f)).map(attempt);
  },
};
