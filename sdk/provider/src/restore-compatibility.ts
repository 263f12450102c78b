import { ProviderError } from "./errors.js";

/**
 * The leading numbers of a version as the engine prints it: "15.19 (Debian
 * 15.19-1.pgdg120+1)" → [15, 19], "10.11.6-MariaDB-0+deb12u1" → [10, 11, 6],
 * "PostgreSQL 15.4" → [15, 4]. Empty when it holds no number.
 */
export function versionNumbers(version: string): number[] {
  // Linear: one pass for the first run of digits and dots.
  const match = /\d+(?:\.\d+)*/.exec(version);
  return match ? match[0].split(".").map(Number) : [];
}

/** How much of the version decides compatibility: the major, or major and minor (Redis bumps its RDB format in minors). */
export type VersionPrecision = "major" | "minor";

export interface VersionRule {
  /** What the version belongs to, for the message: "the postgres server", "pg_restore". */
  subject: string;
  /** The version recorded in the backup's manifest (`engine.version` or `tool.version`). */
  backupVersion: string;
  /** The version the target (server or local tool) has. */
  targetVersion: string;
  precision?: VersionPrecision;
}

/**
 * Refuses, before a restore touches anything, a backup made by a newer version
 * than the target can load: throws ProviderError("incompatible_version") naming
 * both versions. A version without numbers on either side is not judged.
 *
 * @example
 * // in restore(), before dropping anything:
 * if (request.manifest) {
 *   refuseNewerVersion({ subject: "the postgres server", backupVersion: request.manifest.tool.version, targetVersion: serverVersion });
 * }
 */
export function refuseNewerVersion(rule: VersionRule): void {
  const length = rule.precision === "minor" ? 2 : 1;
  const backup = versionNumbers(rule.backupVersion).slice(0, length);
  const target = versionNumbers(rule.targetVersion).slice(0, length);
  if (backup.length === 0 || target.length === 0) return;
  for (let i = 0; i < length; i++) {
    const from = backup[i] ?? 0;
    const to = target[i] ?? 0;
    if (from < to) return;
    if (from > to) {
      throw new ProviderError(
        "incompatible_version",
        `this backup was made with version ${rule.backupVersion} and ${rule.subject} has version ${rule.targetVersion}, which cannot load it; restore into a target of version ${backup.join(".")} or newer`,
      );
    }
  }
}
