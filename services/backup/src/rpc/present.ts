import { BackupAttemptOutcome, BackupKind, BackupStatus, BackupTrigger, RestoreStatus, type Backup, type BackupAttempt, type BackupManifest, type BackupPolicy, type Restore } from "@berth/client";
import type { BackupManifest as ProviderManifest } from "@berth/provider-sdk";
import type { AttemptOutcome, AttemptRecord, PolicyRecord } from "../store/policy-store.js";
import { RESTORE_NOTICE, RESTORE_TO_NEW_NOTICE } from "../domain/context.js";
import type { BackupRecord, BackupState, RestoreRecord } from "../store/store.js";

const STATUS: Record<BackupState, BackupStatus> = {
  pending: BackupStatus.BACKUP_STATUS_PENDING,
  running: BackupStatus.BACKUP_STATUS_RUNNING,
  succeeded: BackupStatus.BACKUP_STATUS_SUCCEEDED,
  failed: BackupStatus.BACKUP_STATUS_FAILED,
};
const RESTORE_STATUS: Record<BackupState, RestoreStatus> = {
  pending: RestoreStatus.RESTORE_STATUS_PENDING,
  running: RestoreStatus.RESTORE_STATUS_RUNNING,
  succeeded: RestoreStatus.RESTORE_STATUS_SUCCEEDED,
  failed: RestoreStatus.RESTORE_STATUS_FAILED,
};

export function stateFromStatus(status: BackupStatus): BackupState | undefined {
  return Object.entries(STATUS).find(([, value]) => value === status)?.[0] as BackupState | undefined;
}

/** Whether a backup has a passed restore drill, and whether it is its dependency's newest such backup. */
export interface Verification {
  verified: boolean;
  latestVerified: boolean;
}

const UNVERIFIED: Verification = { verified: false, latestVerified: false };

const TRIGGERS: Record<BackupRecord["trigger"], BackupTrigger> = {
  manual: BackupTrigger.BACKUP_TRIGGER_MANUAL,
  scheduled: BackupTrigger.BACKUP_TRIGGER_SCHEDULED,
  "pre-restore": BackupTrigger.BACKUP_TRIGGER_PRE_RESTORE,
};

/** Never the artifact key, path or data key: status, size, checksum and times only. */
export function presentBackup(b: BackupRecord, verification: Verification = UNVERIFIED): Backup {
  return {
    id: b.id,
    dependencyId: b.dependencyId,
    kind: b.kind === "native" ? BackupKind.BACKUP_KIND_NATIVE : BackupKind.BACKUP_KIND_METADATA_ONLY,
    metadataOnlyReason: b.metadataOnlyReason,
    status: STATUS[b.status],
    statusReason: b.statusReason,
    sizeBytes: String(b.sizeBytes),
    durationMs: String(b.durationMs),
    sha256: b.sha256,
    format: b.format,
    trigger: TRIGGERS[b.trigger],
    policyId: b.policyId,
    expireTime: b.expireAt?.toISOString(),
    createTime: b.createdAt.toISOString(),
    startTime: b.startedAt?.toISOString(),
    endTime: b.endedAt?.toISOString(),
    deleteTime: b.deletedAt?.toISOString(),
    verified: verification.verified,
    latestVerified: verification.latestVerified,
    manifest: b.manifest ? presentManifest(b.manifest) : undefined,
  };
}

/** The provider's manifest on the wire (counts as int64 strings). */
export function presentManifest(m: ProviderManifest): BackupManifest {
  return {
    engine: { name: m.engine.name, version: m.engine.version },
    tool: { name: m.tool.name, version: m.tool.version },
    formatVersion: m.formatVersion,
    content: m.content.entries.map((e) => ({ scope: e.scope, name: e.name, count: String(e.count), bytes: e.bytes === undefined ? undefined : String(e.bytes), fingerprint: e.fingerprint ?? "" })),
    totalCount: String(m.content.totals.count),
    totalBytes: m.content.totals.bytes === undefined ? undefined : String(m.content.totals.bytes),
  };
}

/** A run of a backup into a dependency (a restore or a drill) as both show it: which backup, where, its state and times. */
export function presentRun<S extends string, W>(
  r: { id: string; backupId: string; dependencyId: string; status: S; statusReason: string; createdAt: Date; startedAt: Date | null; endedAt: Date | null },
  statuses: Record<S, W>,
) {
  return {
    id: r.id,
    backupId: r.backupId,
    dependencyId: r.dependencyId,
    status: statuses[r.status],
    statusReason: r.statusReason,
    createTime: r.createdAt.toISOString(),
    startTime: r.startedAt?.toISOString(),
    endTime: r.endedAt?.toISOString(),
  };
}

export function presentRestore(r: RestoreRecord): Restore {
  return {
    ...presentRun(r, RESTORE_STATUS),
    bytesRestored: String(r.bytesRestored),
    notice: r.toNewDependency ? RESTORE_TO_NEW_NOTICE : RESTORE_NOTICE,
    safetyBackupId: r.safetyBackupId,
    rolledBack: r.rolledBack,
    sourceDependencyId: r.sourceDependencyId,
  };
}

const OUTCOME: Record<AttemptOutcome, BackupAttemptOutcome> = {
  running: BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_RUNNING,
  succeeded: BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_SUCCEEDED,
  failed: BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_FAILED,
  skipped: BackupAttemptOutcome.BACKUP_ATTEMPT_OUTCOME_SKIPPED,
};

export function outcomeFromWire(outcome: BackupAttemptOutcome): AttemptOutcome | undefined {
  return Object.entries(OUTCOME).find(([, value]) => value === outcome)?.[0] as AttemptOutcome | undefined;
}

export function presentAttempt(a: AttemptRecord): BackupAttempt {
  return {
    id: a.id,
    policyId: a.policyId,
    dependencyId: a.dependencyId,
    backupId: a.backupId,
    trigger: a.trigger === "scheduled" ? BackupTrigger.BACKUP_TRIGGER_SCHEDULED : BackupTrigger.BACKUP_TRIGGER_MANUAL,
    startTime: a.startedAt.toISOString(),
    endTime: a.endedAt?.toISOString(),
    outcome: OUTCOME[a.outcome],
    reason: a.reason,
  };
}

export function presentPolicy(p: PolicyRecord, last: AttemptRecord | undefined): BackupPolicy {
  return {
    id: p.id,
    dependencyId: p.dependencyId,
    intervalHours: p.intervalHours,
    intervalMinutes: p.intervalMinutes,
    disabledReason: p.disabledReason,
    retentionDays: p.retentionDays,
    retryOnFailure: p.retryOnFailure,
    enabled: p.enabled,
    verifyEvery: p.verifyEvery,
    nextRunTime: p.nextRunAt.toISOString(),
    lastAttempt: last ? presentAttempt(last) : undefined,
    createTime: p.createdAt.toISOString(),
    updateTime: p.updatedAt.toISOString(),
  };
}
