import { BindingStatus, type Binding } from "@berth/client";
import { presentProvenance } from "@berth/runtime";
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
    provenance: presentProvenance(record.provenance),
    createTime: record.createdAt.toISOString(),
    updateTime: record.updatedAt.toISOString(),
    unbindTime: record.unboundAt?.toISOString(),
  };
}
