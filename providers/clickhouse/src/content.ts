import { contentStats, refuseNewerVersion, type BackupManifest, type ContentEntry, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { query } from "./http.js";
import { qualified } from "./sql.js";
import { listTables, type TableInfo } from "./tables.js";
import { parseConnection, type Connection } from "./urls.js";

/**
 * A table's name in content stats. A materialized view's inner table is named
 * after its view: its own name (`.inner_id.<uuid>`) changes when it is restored.
 */
export function contentName(table: TableInfo): string {
  return table.innerOf ? `.inner.${table.innerOf}` : table.name;
}

/** `SELECT count()` of one table. */
export async function countRows(connection: Connection, table: string, signal: AbortSignal): Promise<number> {
  const { endpoint, database } = connection;
  return Number((await query(endpoint, `SELECT count() FROM ${qualified(database, table)}`, { database, signal })).trim());
}

/** Rows per data table of the live database, counted as a backup counts them. */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const entries: ContentEntry[] = [];
  for (const table of await listTables(connection, request.signal)) {
    if (table.holdsData) entries.push({ scope: "table", name: contentName(table), count: await countRows(connection, table.name, request.signal) });
  }
  return contentStats(entries);
}

/** Refuses, before anything is dropped, a backup from a newer ClickHouse major than the target's. */
export async function refuseNewerServer(connection: Connection, manifest: BackupManifest, signal: AbortSignal): Promise<void> {
  const { endpoint, database } = connection;
  const version = (await query(endpoint, "SELECT version()", { database, signal })).trim();
  refuseNewerVersion({ subject: "the target clickhouse server", backupVersion: manifest.engine.version, targetVersion: version });
}
