import { BindingStatus, ProvenanceSource, type Binding } from "@berth/client";
import type { BindingRecord } from "../store/binding-store.js";

export function presentBinding(record: BindingRecord): Binding {
  return {
    id: record.id,
    projectId: record.projectId,
    environmentId: record.environmentId,
    resourceId: record.resourceId,
    dependencyId: record.dependencyId,
    targetEnvVar: record.targetEnvVar,
    secretRef: record.secretRef,
    status: record.status === "active" ? BindingStatus.BINDING_STATUS_ACTIVE : BindingStatus.BINDING_STATUS_UNBOUND,
    provenance: {
      source: typeof record.provenance.source === "number" ? record.provenance.source : ProvenanceSource.PROVENANCE_SOURCE_MANUAL,
      repository: String(record.provenance.repository ?? ""),
      environment: String(record.provenance.environment ?? ""),
      previewId: String(record.provenance.previewId ?? ""),
      actor: String(record.provenance.actor ?? ""),
    },
    createTime: record.createdAt.toISOString(),
    updateTime: record.updatedAt.toISOString(),
    unbindTime: record.unboundAt?.toISOString(),
  };
}
