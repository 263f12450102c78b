import { ProviderError } from "@berth/provider-sdk";
import { query } from "./http.js";
import { parseTabSeparated, quoteString } from "./sql.js";
import type { Connection } from "./urls.js";

export interface TableInfo {
  name: string;
  engine: string;
  /** View, MaterializedView…: created after the tables they read. */
  isView: boolean;
  /** Whether its rows live in this table (dumped as Native data). */
  holdsData: boolean;
  /** For a materialized view's inner table, the view's name. */
  innerOf?: string;
}

const VIEW_ENGINES = new Set(["View", "MaterializedView", "LiveView", "WindowView"]);
/** Engines whose rows are stored in the table itself; others (Distributed, Merge, Buffer, Kafka, Set, Join…) are backed up as schema only. */
const DATA_ENGINES = new Set(["Log", "TinyLog", "StripeLog", "Memory"]);

/**
 * The database's tables, oldest definition first. Inner tables of materialized
 * views are named `.inner.<view>` (Ordinary databases, all of 18.x) or
 * `.inner_id.<view uuid>` (Atomic databases, 20.10+).
 */
export async function listTables(connection: Connection, signal: AbortSignal): Promise<TableInfo[]> {
  const { endpoint, database } = connection;
  const options = { database, signal };
  const hasUuid = (await query(endpoint, "SELECT count() FROM system.columns WHERE database = 'system' AND table = 'tables' AND name = 'uuid'", options)).trim() === "1";
  const rows = parseTabSeparated(
    await query(
      endpoint,
      `SELECT name, engine, ${hasUuid ? "toString(uuid)" : "''"} FROM system.tables WHERE database = ${quoteString(database)} AND NOT is_temporary ` +
        "ORDER BY metadata_modification_time, name FORMAT TabSeparated",
      options,
    ),
  );
  const viewByUuid = new Map(rows.filter(([, engine, uuid]) => engine === "MaterializedView" && uuid).map(([name, , uuid]) => [uuid, name]));
  return rows.map(([name, engine]) => {
    const innerOf = name.startsWith(".inner.") ? name.slice(".inner.".length) : name.startsWith(".inner_id.") ? viewByUuid.get(name.slice(".inner_id.".length)) : undefined;
    return { name, engine, isView: VIEW_ENGINES.has(engine), holdsData: DATA_ENGINES.has(engine) || engine.endsWith("MergeTree"), ...(innerOf ? { innerOf } : {}) };
  });
}

/** The inner table a materialized view made when it was (re)created. */
export async function resolveInnerTable(connection: Connection, view: string, signal: AbortSignal): Promise<string> {
  const inner = (await listTables(connection, signal)).find((t) => t.innerOf === view);
  if (!inner) throw new ProviderError("internal", `the materialized view ${view} has no inner table to restore its data into`);
  return inner.name;
}
