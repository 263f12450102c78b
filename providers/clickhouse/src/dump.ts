import { once } from "node:events";
import { contentStats, createSpool, isProviderError, ProviderError, type BackupRequest, type BackupResult, type ContentEntry, type RestoreRequest } from "@berth/provider-sdk";
import { contentName, countRows, refuseNewerServer } from "./content.js";
import { CLICKHOUSE_FORMAT, DumpWriter, readArtifact, READABLE_CLICKHOUSE_FORMATS, type ArtifactTable, type DumpHeader, type TableRecord } from "./dump-format.js";
import { insert, query, select } from "./http.js";
import { trailingException, TAIL_BYTES } from "./server-exception.js";
import { listTables, resolveInnerTable, type TableInfo } from "./tables.js";
import { parseConnection, type Connection } from "./urls.js";
import { parseTabSeparated, qualified, quoteIdentifier } from "./sql.js";

export { CLICKHOUSE_FORMAT };

/**
 * Streams every table of the dependency's database: tables first (schema, then
 * their data as FORMAT Native), then views and materialized views in the order
 * they were created, each materialized view followed by its inner table's data.
 *
 * The manifest counts each data table with `SELECT count()` right before its
 * data is read. ClickHouse has no snapshot across queries, so a write to a table
 * between the two queries (one round trip apart) makes the count differ from the
 * rows in the artifact; a restore drill then reports it.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const { endpoint, database } = connection;
  const options = { database, signal: request.signal };
  const serverVersion = (await query(endpoint, "SELECT version()", options)).trim();
  const tables = await listTables(connection, request.signal);
  request.progress?.(`backing up ${tables.length} tables`);
  const sink = request.sink;
  const write = async (chunk: Buffer) => {
    if (!sink.write(chunk)) await once(sink, "drain", { signal: request.signal });
  };
  const dump = new DumpWriter();
  await write(dump.header({ database, serverVersion, dataFormat: "Native" } satisfies DumpHeader));
  const entries: ContentEntry[] = [];
  for (const table of backupOrder(tables)) {
    if (request.signal.aborted) throw new ProviderError("internal", "backup aborted");
    const innerOf = table.innerOf;
    const create = innerOf ? undefined : parseShowCreate(await query(endpoint, `SHOW CREATE TABLE ${qualified(database, table.name)}`, options));
    const record: TableRecord = { table: table.name, engine: table.engine, data: table.holdsData, ...(create ? { create } : {}), ...(innerOf ? { innerOf } : {}) };
    await write(dump.table(record));
    if (record.data) {
      entries.push({ scope: "table", name: contentName(table), count: await countRows(connection, table.name, request.signal) });
      await streamTableData(connection, table.name, request.signal, async (data) => {
        for (const frame of dump.data(data)) await write(frame);
      });
      await write(dump.endOfData());
    }
  }
  await write(dump.end());
  sink.end();
  const engine = { name: "clickhouse", version: serverVersion };
  return {
    format: CLICKHOUSE_FORMAT,
    manifest: { engine, tool: { name: "clickhouse SELECT … FORMAT Native", version: serverVersion }, formatVersion: "2", content: contentStats(entries) },
  };
}

/** Data tables by name; then views in creation order, each materialized view followed by its inner table. */
function backupOrder(tables: TableInfo[]): TableInfo[] {
  const plain = tables.filter((t) => !t.isView && !t.innerOf).sort((x, y) => (x.name < y.name ? -1 : 1));
  const views = tables.filter((t) => t.isView);
  const ordered = [...plain];
  for (const view of views) {
    ordered.push(view);
    ordered.push(...tables.filter((t) => t.innerOf === view.name));
  }
  return ordered;
}

/** SHOW CREATE TABLE answers one TabSeparated-escaped field. */
function parseShowCreate(text: string): string {
  const statement = parseTabSeparated(text)[0]?.[0];
  if (!statement) throw new ProviderError("internal", "clickhouse answered SHOW CREATE TABLE with nothing");
  return statement;
}

async function streamTableData(connection: Connection, table: string, signal: AbortSignal, emit: (data: Buffer) => Promise<void>): Promise<void> {
  const { endpoint, database } = connection;
  const response = await select(endpoint, `SELECT * FROM ${qualified(database, table)} FORMAT Native`, { database, signal });
  // Held back until the end, where a failed query leaves its exception text.
  let held: Buffer[] = [];
  let heldBytes = 0;
  try {
    for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
      const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      held.push(chunk);
      heldBytes += chunk.length;
      while (held.length > 1 && heldBytes - held[0].length >= TAIL_BYTES) {
        const oldest = held.shift()!;
        heldBytes -= oldest.length;
        await emit(oldest);
      }
    }
  } catch (error) {
    if (signal.aborted) throw new ProviderError("internal", "backup aborted");
    throw new ProviderError("target_unavailable", `clickhouse broke off the data of table ${table}: ${(error as Error).message}`);
  }
  const tail = Buffer.concat(held);
  held = [];
  const failure = trailingException(tail);
  if (failure) throw new ProviderError("internal", `clickhouse failed while reading table ${table}: ${failure}`);
  if (tail.length > 0) await emit(tail);
}

/**
 * In-place restore. The artifact is first spooled to a private, encrypted temp file and read
 * through once, so a truncated or foreign artifact is refused before anything is
 * dropped. Then every table of the database is dropped, and the artifact's tables
 * are created and filled in order: tables not in the backup end up gone.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (!READABLE_CLICKHOUSE_FORMATS.includes(request.format)) {
    throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${READABLE_CLICKHOUSE_FORMATS.join(" or ")}`);
  }
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const { endpoint, database } = connection;
  const options = { database, signal: request.signal };
  await query(endpoint, "SELECT 1", options);
  if (request.manifest) await refuseNewerServer(connection, request.manifest, request.signal);
  const spool = await createSpool("clickhouse-restore");
  try {
    await spool.fill(request.source, request.signal);
    let tableCount = 0;
    let rename = (sql: string) => sql;
    for await (const item of readArtifact(spool.reader(), request.format)) {
      if (isHeader(item)) rename = checkHeader(item, database, request.sourceMetadata?.database);
      else tableCount++;
    }
    request.progress?.(`dropping the tables of ${database}`);
    await dropAllTables(connection, request.signal);
    request.progress?.(`restoring ${tableCount} tables`);
    for await (const item of readArtifact(spool.reader(), request.format)) {
      if (request.signal.aborted) throw new ProviderError("internal", "restore aborted");
      if (isHeader(item)) continue;
      await restoreTable(connection, item.record.create ? { ...item, record: { ...item.record, create: rename(item.record.create) } } : item, request.signal);
    }
  } finally {
    await spool.dispose();
  }
}

function isHeader(item: DumpHeader | ArtifactTable): item is DumpHeader {
  return "dataFormat" in item;
}

/**
 * Checks the dump's header and says how its statements name the target database:
 * unchanged in place; into another dependency (a restore into a new one, a drill's
 * scratch copy) the source database's qualified names become the target's.
 */
function checkHeader(header: DumpHeader, database: string, sourceDatabase: string | undefined): (sql: string) => string {
  if (header.dataFormat !== "Native") throw new ProviderError("corrupt_artifact", `unknown data format ${String(header.dataFormat)} in the ClickHouse dump`);
  if (header.database === database) return (sql) => sql;
  if (header.database !== sourceDatabase) {
    throw new ProviderError("invalid_input", `this backup is of database ${header.database}; it restores in place, or into another dependency only when Berth names its source`);
  }
  const from = header.database;
  return (sql) => sql.replaceAll(`\`${from}\`.`, `\`${database}\`.`).replaceAll(`${from}.`, `${database}.`);
}

async function restoreTable(connection: Connection, { record, data }: ArtifactTable, signal: AbortSignal): Promise<void> {
  const { endpoint, database } = connection;
  if (record.create) await query(endpoint, record.create, { database, signal });
  if (!record.data) return;
  const target = record.innerOf ? await resolveInnerTable(connection, record.innerOf, signal) : record.table;
  // An empty table has no Native bytes; an INSERT of nothing is skipped.
  const iterator = data[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const body = async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  };
  try {
    await insert(endpoint, `INSERT INTO ${qualified(database, target)} FORMAT Native`, body(), { database, signal });
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw new ProviderError(error.code, `restoring the data of table ${record.table}: ${error.message}`);
  }
}

/** Views first (a materialized view takes its inner table with it), then whatever is left. */
async function dropAllTables(connection: Connection, signal: AbortSignal): Promise<void> {
  const { endpoint, database } = connection;
  for (const round of [true, false]) {
    for (const table of await listTables(connection, signal)) {
      if (round && !table.isView) continue;
      await query(endpoint, `DROP TABLE IF EXISTS ${quoteIdentifier(database)}.${quoteIdentifier(table.name)}`, { database, signal });
    }
  }
}
