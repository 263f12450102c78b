import {
  Backup,
  BackupKind,
  BackupStatus,
  Dependency,
  DependencyStatus,
  Deployment,
  DeploymentStatus,
  enumWord,
  InjectionBlockedReason,
  plainJson,
  Restore,
  RestoreStatus,
  RuntimeInjectionState,
} from "@berth/client";
import { describe, expect, it } from "vitest";
import { backupKindName, backupStatusName, restoreStatusName } from "../src/present-backup.js";
import { blockedReasonName, deploymentStatusName, injectionStateName } from "../src/present-deployment.js";
import { statusName } from "../src/present.js";

/** Every value of a ts-proto enum except UNRECOGNIZED (-1) and UNSPECIFIED (0). */
const valuesOf = (e: Record<string, string | number>) => Object.values(e).filter((v): v is number => typeof v === "number" && v > 0);

describe("-o json spells every enum as the table does", () => {
  it.each([
    ["berth.dependency.v1.DependencyStatus", DependencyStatus, (v: number) => statusName(Dependency.fromPartial({ status: v }))],
    ["berth.deployment.v1.DeploymentStatus", DeploymentStatus, (v: number) => deploymentStatusName(Deployment.fromPartial({ status: v }))],
    ["berth.deployment.v1.RuntimeInjectionState", RuntimeInjectionState, (v: number) => injectionStateName(v)],
    ["berth.deployment.v1.InjectionBlockedReason", InjectionBlockedReason, (v: number) => blockedReasonName(v)],
    ["berth.backup.v1.BackupStatus", BackupStatus, (v: number) => backupStatusName(Backup.fromPartial({ status: v }))],
    ["berth.backup.v1.BackupKind", BackupKind, (v: number) => backupKindName(Backup.fromPartial({ kind: v }))],
    ["berth.backup.v1.RestoreStatus", RestoreStatus, (v: number) => restoreStatusName(Restore.fromPartial({ status: v }))],
  ] as const)("%s", (typeName, values, tableWord) => {
    for (const value of valuesOf(values as unknown as Record<string, string | number>)) expect(enumWord(typeName, value)).toBe(tableWord(value));
  });

  it("keeps false, 0, empty and unset fields, in declaration order", () => {
    const json = plainJson("berth.dependency.v1.Dependency", Dependency.fromPartial({ id: "dep_1", status: DependencyStatus.DEPENDENCY_STATUS_READY }));
    expect(json).toMatchObject({ id: "dep_1", status: "ready", source: "unspecified", deletionProtection: false, metadata: {}, provenance: null, deleteTime: null, dataClass: "unclassified" });
    expect(Object.keys(json).slice(0, 3)).toEqual(["id", "projectId", "environmentId"]);
  });
});
