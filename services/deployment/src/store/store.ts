import { firstRecord, insertUnlessTaken, seqPage, whereGiven, type SeqWindow, type Db } from "@berth/runtime";
import type {
  DeploymentEventRecord,
  DeploymentEventType,
  DeploymentRecord,
  DeploymentState,
  ResourceRecord,
  RuntimeTargetRecord,
} from "./records.js";
import { LIVE_DEPLOYMENT_STATES } from "./records.js";

type Row = Record<string, unknown>;

const json = (value: unknown) => JSON.stringify(value);

function resource(row: Row): ResourceRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    projectId: row.project_id as string,
    environmentId: row.environment_id as string,
    name: row.name as string,
    command: row.command as string,
    cwd: row.cwd as string,
    env: row.env as Record<string, string>,
    healthUrl: row.health_url as string,
    provenance: row.provenance as Record<string, string | number>,
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

function target(row: Row): RuntimeTargetRecord {
  return { id: row.id as string, seq: String(row.seq), name: row.name as string, kind: row.kind as string, requestFingerprint: (row.request_fingerprint as string | null) ?? null, createdAt: row.created_at as Date, updatedAt: row.updated_at as Date };
}

function deployment(row: Row): DeploymentRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    projectId: row.project_id as string,
    environmentId: row.environment_id as string,
    resourceId: row.resource_id as string,
    runtimeTargetId: row.runtime_target_id as string,
    status: row.status as DeploymentState,
    statusReason: row.status_reason as string,
    snapshot: row.snapshot as DeploymentRecord["snapshot"],
    injection: row.injection as DeploymentRecord["injection"],
    provenance: row.provenance as Record<string, string | number>,
    requestFingerprint: (row.request_fingerprint as string | null) ?? null,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    startedAt: (row.started_at as Date | null) ?? null,
    endedAt: (row.ended_at as Date | null) ?? null,
  };
}

function event(row: Row): DeploymentEventRecord {
  return {
    id: row.id as string,
    seq: String(row.seq),
    deploymentId: row.deployment_id as string,
    resourceId: row.resource_id as string,
    type: row.type as DeploymentEventType,
    message: row.message as string,
    createdAt: row.created_at as Date,
  };
}


/** SQL for berth_deployment. The only code that knows its columns. */
export const store = {
  async insertResource(db: Db, r: Omit<ResourceRecord, "seq" | "createdAt" | "updatedAt"> & { requestId: string | null }): Promise<ResourceRecord | "name_taken" | "request_id_taken"> {
    return insertUnlessTaken(
      async () => {
        const [row] = await db("resources")
          .insert({ id: r.id, project_id: r.projectId, environment_id: r.environmentId, name: r.name, command: r.command, cwd: r.cwd, env: json(r.env), health_url: r.healthUrl, provenance: json(r.provenance), request_id: r.requestId, request_fingerprint: r.requestFingerprint })
          .returning("*");
        return resource(row);
      },
      { resources_live_name: "name_taken", resources_request_id_unique: "request_id_taken" },
    );
  },
  async getResource(db: Db, id: string, includeDeleted = false): Promise<ResourceRecord | undefined> {
    const query = db("resources").where({ id });
    return firstRecord(includeDeleted ? query : query.whereNull("deleted_at"), resource);
  },
  async resourceByRequestId(db: Db, requestId: string): Promise<ResourceRecord | undefined> {
    return firstRecord(db("resources").where({ request_id: requestId }), resource);
  },
  async listResources(db: Db, f: { projectId?: string; environmentId?: string; name?: string } & SeqWindow): Promise<ResourceRecord[]> {
    const q = whereGiven(db("resources").whereNull("deleted_at"), { project_id: f.projectId, environment_id: f.environmentId, name: f.name });
    return (await seqPage(q, f)).map(resource);
  },
  async deleteResource(db: Db, id: string): Promise<void> {
    await db("resources").where({ id }).update({ deleted_at: db.fn.now(), updated_at: db.fn.now() });
  },

  async insertTarget(db: Db, t: { id: string; name: string; kind: string; requestId: string | null; requestFingerprint: string }): Promise<RuntimeTargetRecord | "name_taken" | "request_id_taken"> {
    return insertUnlessTaken(
      async () => {
        const [row] = await db("runtime_targets").insert({ id: t.id, name: t.name, kind: t.kind, request_id: t.requestId, request_fingerprint: t.requestFingerprint }).returning("*");
        return target(row);
      },
      { runtime_targets_live_name: "name_taken", runtime_targets_request_id_unique: "request_id_taken" },
    );
  },
  async getTarget(db: Db, id: string, includeDeleted = false): Promise<RuntimeTargetRecord | undefined> {
    const query = db("runtime_targets").where({ id });
    return firstRecord(includeDeleted ? query : query.whereNull("deleted_at"), target);
  },
  async targetByRequestId(db: Db, requestId: string): Promise<RuntimeTargetRecord | undefined> {
    return firstRecord(db("runtime_targets").where({ request_id: requestId }), target);
  },
  async listTargets(db: Db, f: { kind?: string; name?: string } & SeqWindow): Promise<RuntimeTargetRecord[]> {
    return (await seqPage(whereGiven(db("runtime_targets").whereNull("deleted_at"), { kind: f.kind, name: f.name }), f)).map(target);
  },
  async deleteTarget(db: Db, id: string): Promise<void> {
    await db("runtime_targets").where({ id }).update({ deleted_at: db.fn.now(), updated_at: db.fn.now() });
  },

  async insertDeployment(db: Db, d: Omit<DeploymentRecord, "seq" | "createdAt" | "updatedAt" | "startedAt" | "endedAt" | "statusReason"> & { requestId: string | null }): Promise<DeploymentRecord> {
    const [row] = await db("deployments")
      .insert({
        id: d.id,
        project_id: d.projectId,
        environment_id: d.environmentId,
        resource_id: d.resourceId,
        runtime_target_id: d.runtimeTargetId,
        status: d.status,
        snapshot: json(d.snapshot),
        injection: json(d.injection),
        provenance: json(d.provenance),
        request_id: d.requestId,
        request_fingerprint: d.requestFingerprint,
      })
      .returning("*");
    return deployment(row);
  },
  async getDeployment(db: Db, id: string, forUpdate = false): Promise<DeploymentRecord | undefined> {
    const q = db("deployments").where({ id });
    return firstRecord(forUpdate ? q.forUpdate() : q, deployment);
  },
  async deploymentByRequestId(db: Db, requestId: string): Promise<DeploymentRecord | undefined> {
    return firstRecord(db("deployments").where({ request_id: requestId }), deployment);
  },
  /** Only status fields change after create: the snapshot is never rewritten. */
  async setDeploymentStatus(db: Db, id: string, status: DeploymentState, reason: string): Promise<DeploymentRecord> {
    const patch: Record<string, unknown> = { status, status_reason: reason, updated_at: db.fn.now() };
    if (status === "running") patch.started_at = db.fn.now();
    if (status === "failed" || status === "stopped") patch.ended_at = db.fn.now();
    const [row] = await db("deployments").where({ id }).update(patch).returning("*");
    return deployment(row);
  },
  async listDeployments(db: Db, f: { projectId?: string; environmentId?: string; resourceId?: string; runtimeTargetId?: string; status?: DeploymentState } & SeqWindow): Promise<DeploymentRecord[]> {
    const q = whereGiven(db("deployments"), { project_id: f.projectId, environment_id: f.environmentId, resource_id: f.resourceId, runtime_target_id: f.runtimeTargetId, status: f.status });
    return (await seqPage(q, f)).map(deployment);
  },
  async setRunner(db: Db, id: string, runner: string, workloadPgid: number | null): Promise<void> {
    await db("deployments").where({ id }).update({ runner, workload_pgid: workloadPgid });
  },
  /** Live deployments run by Berth processes on `host` other than `self` ("host:pid"). */
  async liveOnHostExcept(db: Db, host: string, self: string): Promise<Array<{ id: string; runner: string; workloadPgid: number | null }>> {
    const rows = await db("deployments").select("id", "runner", "workload_pgid").whereIn("status", LIVE_DEPLOYMENT_STATES).where("runner", "like", `${host}:%`).whereNot("runner", self);
    return rows.map((r: Row) => ({ id: r.id as string, runner: r.runner as string, workloadPgid: (r.workload_pgid as number | null) ?? null }));
  },
  /** Live deployments whose snapshot names the dependency (delete safety). */
  async liveDeploymentsReferencing(db: Db, dependencyId: string): Promise<DeploymentRecord[]> {
    const rows = await db("deployments")
      .whereIn("status", LIVE_DEPLOYMENT_STATES)
      .whereRaw("snapshot @> ?::jsonb", [json([{ dependencyId }])]);
    return rows.map(deployment);
  },
  /** Live deployments of a resource on a runtime target, oldest first, with who runs them. */
  async liveOfResourceOnTarget(db: Db, resourceId: string, runtimeTargetId: string): Promise<Array<DeploymentRecord & { runner: string | null; workloadPgid: number | null }>> {
    const rows = await db("deployments").where({ resource_id: resourceId, runtime_target_id: runtimeTargetId }).whereIn("status", LIVE_DEPLOYMENT_STATES).orderBy("seq");
    return rows.map((r: Row) => ({ ...deployment(r), runner: (r.runner as string | null) ?? null, workloadPgid: (r.workload_pgid as number | null) ?? null }));
  },
  /** Saves a workload's masked output (replacing the previous copy). */
  async saveLogs(db: Db, deploymentId: string, logs: { lines: string[]; truncated: boolean; capturedAt: Date | null }): Promise<void> {
    await db("deployment_logs")
      .insert({ deployment_id: deploymentId, output: logs.lines.join("\n"), truncated: logs.truncated, captured_at: logs.capturedAt, updated_at: db.fn.now() })
      .onConflict("deployment_id")
      .merge();
  },
  async getLogs(db: Db, deploymentId: string): Promise<{ lines: string[]; truncated: boolean; capturedAt: Date | null } | undefined> {
    const row = await db("deployment_logs").where({ deployment_id: deploymentId }).first();
    if (!row) return undefined;
    const output = row.output as string;
    return { lines: output ? output.split("\n") : [], truncated: row.truncated as boolean, capturedAt: (row.captured_at as Date | null) ?? null };
  },
  async countLive(db: Db, column: "resource_id" | "runtime_target_id", id: string): Promise<number> {
    const row = await db("deployments").where(column, id).whereIn("status", LIVE_DEPLOYMENT_STATES).count<{ count: string }>("* as count").first();
    return Number(row?.count ?? 0);
  },

  async insertEvent(db: Db, e: { id: string; deploymentId: string; resourceId: string; type: DeploymentEventType; message: string }): Promise<DeploymentEventRecord> {
    const [row] = await db("deployment_events").insert({ id: e.id, deployment_id: e.deploymentId, resource_id: e.resourceId, type: e.type, message: e.message }).returning("*");
    return event(row);
  },
  async listEvents(db: Db, f: { resourceId?: string; deploymentId?: string } & SeqWindow): Promise<DeploymentEventRecord[]> {
    return (await seqPage(whereGiven(db("deployment_events"), { resource_id: f.resourceId, deployment_id: f.deploymentId }), f)).map(event);
  },
};
