import { Backup, BackupKind, type BackupManifest, backupKindToJSON, BackupStatus, backupStatusToJSON, backupTriggerToJSON, Restore, restoreStatusToJSON } from "@berth/client";
import { age, enumName, humanBytes, humanDuration, optional, printList, printRecord, printTable, until, type OutputFormat } from "./output.js";

/** BACKUP_STATUS_SUCCEEDED → succeeded, BACKUP_KIND_METADATA_ONLY → metadata-only */
function lower(json: string, prefix: string): string {
  return enumName(json, prefix).replace(/_/g, "-");
}

export function backupStatusName(backup: Backup): string {
  return lower(backupStatusToJSON(backup.status), "BACKUP_STATUS_");
}

export function backupKindName(backup: Backup): string {
  return lower(backupKindToJSON(backup.kind), "BACKUP_KIND_");
}

export function restoreStatusName(restore: Restore): string {
  return lower(restoreStatusToJSON(restore.status), "RESTORE_STATUS_");
}

/** "12.4 MB (12,400,123 bytes)"; exact bytes only when the unit rounds. */
function sizeWithBytes(value: string): string {
  const human = humanBytes(value);
  return human.endsWith(" B") ? human : `${human} (${Number(value).toLocaleString("en-US")} bytes)`;
}

/** Wall time of the worker; a metadata-only backup does no work, an unfinished one has no end yet. */
function durationOf(backup: Backup): string {
  return backup.endTime && backup.kind !== BackupKind.BACKUP_KIND_METADATA_ONLY ? humanDuration(backup.durationMs) : "-";
}

/** Only a succeeded native backup has a size: metadata-only ones have no artifact, others no whole one yet. */
function hasArtifact(backup: Backup): boolean {
  return backup.kind === BackupKind.BACKUP_KIND_NATIVE && backup.status === BackupStatus.BACKUP_STATUS_SUCCEEDED;
}

/**
 * Every field of a backup is safe to show: the server never sends the
 * artifact's location or storage handle, so there is no path to print.
 */
export function printBackup(backup: Backup, format: OutputFormat): void {
  const metadataOnly = backup.kind === BackupKind.BACKUP_KIND_METADATA_ONLY;
  printRecord(
    "berth.backup.v1.Backup",
    backup,
    format,
    () => [
      ["id", backup.id],
      ["dependency", backup.dependencyId],
      ["kind", backupKindName(backup) + (metadataOnly ? " (no data artifact; cannot be restored)" : "")],
      ...optional("metadata-only reason", backup.metadataOnlyReason),
      ["status", backupStatusName(backup) + (backup.statusReason ? ` (${backup.statusReason})` : "")],
      ["size", hasArtifact(backup) ? sizeWithBytes(backup.sizeBytes) : "-"],
      ["duration", durationOf(backup)],
      ["sha256", backup.sha256 || "-"],
      ["format", backup.format || "-"],
      ["verified", verifiedMark(backup)],
      ["trigger", triggerName(backup)],
      ...optional("policy", backup.policyId),
      ["created", backup.createTime ?? ""],
      ...optional("started", backup.startTime),
      ...optional("ended", backup.endTime),
      ["expires", backup.expireTime ? `${backup.expireTime} (${until(backup.expireTime)})` : "never (kept until deleted)"],
      ...optional("deleted", backup.deleteTime),
    ],
    () => backup.manifest && printManifest(backup.manifest),
  );
}

const UNITS: Record<string, string> = { table: "rows", type: "keys", bucket: "objects", index: "documents" };

/** What the backup holds, as recorded in the dump's own snapshot. */
function printManifest(manifest: BackupManifest): void {
  const unit = UNITS[manifest.content[0]?.scope ?? "table"] ?? "items";
  process.stdout.write(
    `\nmanifest: ${manifest.engine?.name ?? "?"} ${manifest.engine?.version ?? "?"}, dumped by ${manifest.tool?.name ?? "?"} ${manifest.tool?.version ?? "?"}, format ${manifest.formatVersion}; ` +
      `${manifest.content.length} ${manifest.content[0]?.scope ?? "table"}${manifest.content.length === 1 ? "" : "s"}, ${manifest.totalCount} ${unit}` +
      `${manifest.totalBytes !== undefined ? `, ${humanBytes(manifest.totalBytes)}` : ""}\n`,
  );
  if (manifest.content.length === 0) return;
  printTable(
    [(manifest.content[0]?.scope ?? "item").toUpperCase(), unit.toUpperCase(), "BYTES", "FINGERPRINT"],
    manifest.content.map((c) => [c.name, c.count, c.bytes !== undefined ? humanBytes(c.bytes) : "-", c.fingerprint || "-"]),
  );
}

/** manual, scheduled or pre-restore (the safety backup taken before an in-place restore). */
function triggerName(backup: Backup): string {
  return lower(backupTriggerToJSON(backup.trigger), "BACKUP_TRIGGER_").replaceAll("_", "-");
}

/** "yes (latest)" marks the newest verified backup, which retention keeps whatever its age. */
function verifiedMark(backup: Backup): string {
  return backup.latestVerified ? "yes (latest)" : backup.verified ? "yes" : "-";
}

export function printBackupList(backups: Backup[], format: OutputFormat, nextPageToken: string): void {
  printList(backups, format, nextPageToken, {
    typeName: "berth.backup.v1.Backup",
    empty: "No backups found.",
    headers: ["ID", "KIND", "TRIGGER", "STATUS", "VERIFIED", "SIZE", "DURATION", "SHA256", "CREATED", "EXPIRES"],
    row: (b) => [
      b.id,
      backupKindName(b),
      triggerName(b),
      backupStatusName(b) + (b.deleteTime ? " (deleted)" : ""),
      verifiedMark(b),
      hasArtifact(b) ? humanBytes(b.sizeBytes) : "-",
      durationOf(b),
      b.sha256 ? b.sha256.slice(0, 12) : "-",
      b.createTime ? `${age(b.createTime)} ago` : "-",
      b.deleteTime ? "-" : b.expireTime ? until(b.expireTime) : "never",
    ],
  });
}

/** The restore, then its notice (what a restore leaves alone) on a line of its own. */
export function printRestore(restore: Restore, format: OutputFormat): void {
  printRecord(
    "berth.backup.v1.Restore",
    restore,
    format,
    () => [
      ["id", restore.id],
      ["backup", restore.backupId],
      ["dependency", restore.dependencyId],
      ...optional("restored from", restore.sourceDependencyId !== restore.dependencyId ? restore.sourceDependencyId : undefined),
      ["status", restoreStatusName(restore) + (restore.statusReason ? ` (${restore.statusReason})` : "") + (restore.rolledBack ? " [rolled back]" : "")],
      ...optional("safety backup", restore.safetyBackupId ? `${restore.safetyBackupId} (restore it to undo this restore)` : undefined),
      ["bytes restored", sizeWithBytes(restore.bytesRestored)],
      ["created", restore.createTime ?? ""],
      ...optional("started", restore.startTime),
      ...optional("ended", restore.endTime),
    ],
    () => restore.notice && process.stdout.write(`\nnotice: ${restore.notice}\n`),
  );
}

export function printRestoreList(restores: Restore[], format: OutputFormat, nextPageToken: string): void {
  printList(restores, format, nextPageToken, {
    typeName: "berth.backup.v1.Restore",
    empty: "No restores found.",
    headers: ["ID", "BACKUP", "STATUS", "BYTES", "STARTED", "ENDED"],
    row: (r) => [
      r.id,
      r.backupId,
      restoreStatusName(r),
      humanBytes(r.bytesRestored),
      r.startTime ? `${age(r.startTime)} ago` : "-",
      r.endTime ? `${age(r.endTime)} ago` : "-",
    ],
  });
}
