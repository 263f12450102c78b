import {
  ConnectionVerification,
  DataClass,
  dataClassFromName,
  dataClassName,
  DependencySource,
  DependencyStatus,
  dependencyStatusFromJSON,
  type Dependency,
} from "@berth/client";
import { formatSecretReference, presentProvenance } from "@berth/runtime";
import type { DependencyRecord, DependencyState, StoredDataClass } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";

const VERIFICATION: Record<DependencyRecord["connectionVerification"], ConnectionVerification> = {
  unverified: ConnectionVerification.CONNECTION_VERIFICATION_UNVERIFIED,
  verified: ConnectionVerification.CONNECTION_VERIFICATION_VERIFIED,
  failed: ConnectionVerification.CONNECTION_VERIFICATION_FAILED,
};

const STATUS: Record<DependencyState, DependencyStatus> = {
  provisioning: DependencyStatus.DEPENDENCY_STATUS_PROVISIONING,
  ready: DependencyStatus.DEPENDENCY_STATUS_READY,
  failed: DependencyStatus.DEPENDENCY_STATUS_FAILED,
  deleting: DependencyStatus.DEPENDENCY_STATUS_DELETING,
  deleted: DependencyStatus.DEPENDENCY_STATUS_DELETED,
};

/** Wire status → stored state; undefined for UNSPECIFIED (no filter). */
export function stateFromStatus(status: DependencyStatus): DependencyState | undefined {
  const entry = Object.entries(STATUS).find(([, value]) => value === dependencyStatusFromJSON(status));
  return entry?.[0] as DependencyState | undefined;
}

/** Wire data class → stored; undefined stays undefined (unset: leave as is). */
export function storedDataClass(dataClass: DataClass | undefined): StoredDataClass | undefined {
  return dataClass === undefined ? undefined : dataClassName(dataClass);
}

/** The public, always-masked view of a dependency. */
export function presentDependency(record: DependencyRecord): Dependency {
  return {
    id: record.id,
    projectId: record.projectId,
    environmentId: record.environmentId,
    name: record.name,
    kind: record.kind,
    source: record.source === "managed" ? DependencySource.DEPENDENCY_SOURCE_MANAGED : DependencySource.DEPENDENCY_SOURCE_IMPORTED,
    status: STATUS[record.status],
    statusReason: record.statusReason,
    metadata: record.metadata,
    connectionSecretRef: record.secretVersion ? formatSecretReference({ ownerId: record.id, name: CONNECTION_SECRET, version: record.secretVersion }) : "",
    maskedConnectionUrl: record.maskedUrl,
    provenance: presentProvenance(record.provenance),
    realizationTarget: record.realizationTarget,
    deletionProtection: record.deletionProtection,
    dataClass: dataClassFromName(record.dataClass),
    createTime: record.createdAt.toISOString(),
    updateTime: record.updatedAt.toISOString(),
    deleteTime: record.deletedAt?.toISOString(),
    connectionVerification: VERIFICATION[record.connectionVerification],
    connectionVerificationReason: record.connectionVerificationReason,
    connectionCheckTime: record.connectionCheckedAt?.toISOString(),
  };
}
