import { describe, expect, it } from "vitest";
import { backupMaxAgeSeconds, evaluateReadiness, type ReadinessFacts } from "../src/domain/data-readiness.js";

const NOW = new Date("2026-11-20T12:00:00Z");
const ago = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);

/** Everything production-critical asks for, fresh. */
function complete(overrides: Partial<ReadinessFacts> = {}): ReadinessFacts {
  return {
    dependencyId: "dep_1",
    dataClass: "production-critical",
    policy: { id: "dbp_1", intervalHours: 24, enabled: true },
    latestBackup: { id: "bkp_1", endedAt: ago(2), createdAt: ago(2) },
    hasMetadataOnlyBackup: false,
    latestPassedDrill: { id: "drl_1", backupId: "bkp_1", endedAt: ago(1), checkCommandConfigured: true, checkPassed: true },
    latestFinishedDrill: { id: "drl_1", status: "passed", endedAt: ago(1) },
    ...overrides,
  };
}

const reasonsOf = (facts: ReadinessFacts) => evaluateReadiness(facts, NOW).issues.map((i) => i.reason);

describe("data-readiness rules", () => {
  it("production-critical with every piece of evidence is ready", () => {
    expect(evaluateReadiness(complete(), NOW)).toMatchObject({ verdict: "ready", issues: [] });
  });

  it("production-critical names each unmet item and is not-ready", () => {
    expect(reasonsOf(complete({ policy: undefined }))).toEqual(["no_backup_policy"]);
    expect(reasonsOf(complete({ policy: { id: "dbp_1", intervalHours: 24, enabled: false } }))).toEqual(["backup_policy_disabled"]);
    expect(reasonsOf(complete({ latestBackup: undefined }))).toEqual(["no_backup"]);
    expect(reasonsOf(complete({ latestBackup: undefined, hasMetadataOnlyBackup: true }))).toEqual(["backup_metadata_only"]);
    expect(reasonsOf(complete({ latestBackup: { id: "bkp_1", endedAt: ago(31), createdAt: ago(31) } }))).toEqual(["backup_stale"]);
    expect(reasonsOf(complete({ latestPassedDrill: undefined, latestFinishedDrill: undefined }))).toEqual(["no_verified_backup"]);
    expect(reasonsOf(complete({ latestPassedDrill: { id: "drl_1", backupId: "bkp_1", endedAt: ago(24 * 31), checkCommandConfigured: true, checkPassed: true } }))).toEqual(["drill_stale"]);
    expect(reasonsOf(complete({ latestPassedDrill: { id: "drl_1", backupId: "bkp_1", endedAt: ago(1), checkCommandConfigured: false, checkPassed: null } }))).toEqual(["no_post_restore_check"]);
    expect(reasonsOf(complete({ latestPassedDrill: { id: "drl_1", backupId: "bkp_1", endedAt: ago(1), checkCommandConfigured: true, checkPassed: false } }))).toEqual(["post_restore_check_failed"]);
    expect(reasonsOf(complete({ latestFinishedDrill: { id: "drl_2", status: "failed", endedAt: ago(0.5) } }))).toEqual(["latest_drill_failed"]);
    expect(evaluateReadiness(complete({ policy: undefined }), NOW).verdict).toBe("not-ready");
  });

  it("the backup window is the policy interval plus a quarter of it, at least an hour", () => {
    expect(backupMaxAgeSeconds(24)).toBe(30 * 3600);
    expect(backupMaxAgeSeconds(1)).toBe(2 * 3600);
    expect(backupMaxAgeSeconds(undefined)).toBe(30 * 3600);
    expect(reasonsOf(complete({ latestBackup: { id: "bkp_1", endedAt: ago(29.9), createdAt: ago(29.9) } }))).toEqual([]);
  });

  it("reproducible needs only a recent backup, and misses it as at-risk", () => {
    const reproducible = { dataClass: "reproducible" as const, policy: undefined, latestPassedDrill: undefined, latestFinishedDrill: undefined };
    expect(evaluateReadiness(complete(reproducible), NOW).verdict).toBe("ready");
    const stale = evaluateReadiness(complete({ ...reproducible, latestBackup: { id: "bkp_1", endedAt: ago(31), createdAt: ago(31) } }), NOW);
    expect(stale).toMatchObject({ verdict: "at-risk", issues: [{ reason: "backup_stale" }] });
  });

  it("disposable is always ready; unclassified is at-risk until classified", () => {
    const bare = { policy: undefined, latestBackup: undefined, latestPassedDrill: undefined, latestFinishedDrill: undefined };
    expect(evaluateReadiness(complete({ ...bare, dataClass: "disposable" }), NOW)).toMatchObject({ verdict: "ready", issues: [] });
    expect(evaluateReadiness(complete({ ...bare, dataClass: "unclassified" }), NOW)).toMatchObject({ verdict: "at-risk", issues: [{ reason: "data_class_unset" }] });
  });
});
