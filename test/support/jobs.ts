import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { BerthClient, Dependency } from "@berth/client";
import { adminQuery, databaseUrl } from "./env.js";
import type { TestDeployment } from "./berth-server.js";

/**
 * Provisions a managed dependency (default: Postgres) in environment env_a, waits until it is settled, and
 * returns its id, record and connection URL (via the internal RPC).
 */
export async function readyDependency(
  api: BerthClient,
  internal: BerthClient,
  requestId: string,
  project: string,
  name: string,
  kind = "postgres",
): Promise<{ id: string; url: string; dependency: Dependency }> {
  const { dependency } = await api.dependency.provisionDependency({ requestId, projectId: project, environmentId: "env_a", name, kind, realizationTarget: "", deletionProtection: false });
  for await (const update of api.dependency.watchDependency({ id: dependency!.id, untilSettled: true }, { timeoutMs: 60_000 })) void update;
  const { dependency: ready } = await api.dependency.getDependency({ id: dependency!.id });
  const url = (await internal.dependencyInternal.resolveConnectionSecret({ secretRef: ready!.connectionSecretRef, purpose: "test" })).connectionUrl;
  return { id: dependency!.id, url, dependency: ready! };
}

/** Runs SQL on a dependency's own database. */
export function onTarget<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  return adminQuery<T>(sql, params, url);
}

/** `rows` rows of incompressible text in `big`, and a one-row `marker` table. */
export async function seedTarget(url: string, rows: number): Promise<void> {
  await onTarget(url, "CREATE TABLE big (id int PRIMARY KEY, payload text)");
  await onTarget(url, "INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, $1) g", [rows]);
  await onTarget(url, "CREATE TABLE marker (v int)");
  await onTarget(url, "INSERT INTO marker VALUES (0)");
}

/** The whole content of the seeded tables, as one comparable string. */
export async function fingerprint(url: string): Promise<string> {
  const [row] = await onTarget<{ f: string }>(
    url,
    "SELECT (SELECT count(*) FROM big)::text || ':' || (SELECT md5(coalesce(string_agg(id::text || payload, ',' ORDER BY id), '')) FROM big) || ':' || (SELECT string_agg(v::text, ',') FROM marker) AS f",
  );
  return row.f;
}

export interface UnsettledJob {
  table: string;
  id: string;
  status: string;
}

/** Every backup, restore or realization of a test deployment still waiting or running. */
export async function unsettledJobs(deployment: TestDeployment): Promise<UnsettledJob[]> {
  const url = databaseUrl(deployment.databaseName);
  return adminQuery<UnsettledJob>(
    `SELECT 'backup' AS table, id, status FROM berth_backup.backups WHERE status IN ('pending', 'running')
     UNION ALL SELECT 'restore', id, status FROM berth_backup.restores WHERE status IN ('pending', 'running')
     UNION ALL SELECT 'dependency', id, status FROM berth_dependency.dependencies WHERE status = 'provisioning'`,
    [],
    url,
  );
}

/** Waits until no job is waiting or running; returns how long it took, or throws with what is left after `timeoutMs`. */
export async function waitAllSettled(deployment: TestDeployment, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const left = await unsettledJobs(deployment);
    if (left.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`jobs still unsettled after ${timeoutMs} ms: ${JSON.stringify(left)}`);
    await sleep(250);
  }
}

export async function recordOf(deployment: TestDeployment, table: "backups" | "restores", id: string): Promise<{ status: string; status_reason: string }> {
  const [row] = await adminQuery<{ status: string; status_reason: string }>(`SELECT status, status_reason FROM berth_backup.${table} WHERE id = $1`, [id], databaseUrl(deployment.databaseName));
  return row;
}

/** Waits until a backup or restore is running with some bytes done (so a kill or cancel catches it mid-way). */
export async function waitRunning(deployment: TestDeployment, table: "backups" | "restores", id: string, timeoutMs = 30_000): Promise<void> {
  const column = table === "backups" ? "bytes_done" : "bytes_restored";
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const [row] = await adminQuery<{ status: string; bytes: string }>(`SELECT status, ${column} AS bytes FROM berth_backup.${table} WHERE id = $1`, [id], databaseUrl(deployment.databaseName));
    if (row?.status === "running" && Number(row.bytes) > 0) return;
    await sleep(20);
  }
  throw new Error(`${id} did not start running within ${timeoutMs} ms`);
}
