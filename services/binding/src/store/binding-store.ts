import { firstRecord, insertUnlessTaken, seqPage, whereGiven, type SeqWindow, type Db } from "@berth/runtime";

export type BindingState = "active" | "unbound";

export interface BindingRecord {
  id: string;
  seq: string;
  projectId: string;
  environmentId: string;
  resourceId: string;
  dependencyId: string;
  targetEnvVar: string;
  secretRef: string;
  status: BindingState;
  provenance: Record<string, string | number>;
  requestId: string | null;
  requestFingerprint: string;
  createdAt: Date;
  updatedAt: Date;
  unboundAt: Date | null;
}

interface Row {
  id: string;
  seq: string;
  project_id: string;
  environment_id: string;
  resource_id: string;
  dependency_id: string;
  target_env_var: string;
  secret_ref: string;
  status: BindingState;
  provenance: Record<string, string | number>;
  request_id: string | null;
  request_fingerprint: string;
  created_at: Date;
  updated_at: Date;
  unbound_at: Date | null;
}

function fromRow(row: Row): BindingRecord {
  return {
    id: row.id,
    seq: String(row.seq),
    projectId: row.project_id,
    environmentId: row.environment_id,
    resourceId: row.resource_id,
    dependencyId: row.dependency_id,
    targetEnvVar: row.target_env_var,
    secretRef: row.secret_ref,
    status: row.status,
    provenance: row.provenance,
    requestId: row.request_id,
    requestFingerprint: row.request_fingerprint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    unboundAt: row.unbound_at,
  };
}

export type NewBinding = Omit<BindingRecord, "seq" | "status" | "createdAt" | "updatedAt" | "unboundAt">;

export interface BindingFilter extends SeqWindow {
  projectId?: string;
  environmentId?: string;
  resourceId?: string;
  dependencyId?: string;
  includeUnbound: boolean;
}

/** SQL for berth_binding.bindings. The only code that knows its columns. */
export const bindingStore = {
  /** Inserts an active binding, or reports which unique rule it broke. */
  async insert(db: Db, binding: NewBinding): Promise<BindingRecord | "target_taken" | "request_id_taken"> {
    return insertUnlessTaken(
      async () => {
        const [row] = await db<Row>("bindings")
          .insert({
            id: binding.id,
            project_id: binding.projectId,
            environment_id: binding.environmentId,
            resource_id: binding.resourceId,
            dependency_id: binding.dependencyId,
            target_env_var: binding.targetEnvVar,
            secret_ref: binding.secretRef,
            status: "active",
            provenance: JSON.stringify(binding.provenance) as unknown as Record<string, string>,
            request_id: binding.requestId,
            request_fingerprint: binding.requestFingerprint,
          })
          .returning("*");
        return fromRow(row as Row);
      },
      { bindings_active_target: "target_taken", bindings_request_id_unique: "request_id_taken" },
    );
  },

  async get(db: Db, id: string): Promise<BindingRecord | undefined> {
    return firstRecord(db("bindings").where({ id }), fromRow);
  },

  async getByRequestId(db: Db, requestId: string): Promise<BindingRecord | undefined> {
    return firstRecord(db("bindings").where({ request_id: requestId }), fromRow);
  },

  async activeByTarget(db: Db, resourceId: string, targetEnvVar: string): Promise<BindingRecord | undefined> {
    return firstRecord(db("bindings").where({ resource_id: resourceId, target_env_var: targetEnvVar, status: "active" }), fromRow);
  },

  async unbind(db: Db, id: string): Promise<BindingRecord> {
    const [row] = await db<Row>("bindings").where({ id }).update({ status: "unbound", unbound_at: db.fn.now(), updated_at: db.fn.now() }).returning("*");
    return fromRow(row as Row);
  },

  async setSecretRef(db: Db, id: string, secretRef: string): Promise<BindingRecord> {
    const [row] = await db<Row>("bindings").where({ id }).update({ secret_ref: secretRef, updated_at: db.fn.now() }).returning("*");
    return fromRow(row as Row);
  },

  async list(db: Db, filter: BindingFilter): Promise<BindingRecord[]> {
    const query = whereGiven(db("bindings"), { project_id: filter.projectId, environment_id: filter.environmentId, resource_id: filter.resourceId, dependency_id: filter.dependencyId });
    if (!filter.includeUnbound) query.where("status", "active");
    return ((await seqPage(query, filter)) as Row[]).map(fromRow);
  },
};
