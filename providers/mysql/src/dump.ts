import { spawnSync } from "node:child_process";
import { Readable } from "node:stream";
import { escapeId, type RowDataPacket } from "mysql2/promise";
import {
  contentStats,
  ProviderError,
  secretPartsOfUrl,
  type BackupRequest,
  type BackupResult,
  type ContentStats,
  type DescribeContentRequest,
  type RestoreRequest,
  type SafeMetadata,
} from "@berth/provider-sdk";
import { MysqlSession } from "./admin.js";
import { describeContent as countLive, dumpToolVersion, refuseNewerServer, serverIdentity } from "./content.js";
import { DumpRowCounter } from "./row-counter.js";
import { parseEndpoint, type MysqlEndpoint } from "./connection.js";
import { CLIENT_TOOLS, DUMP_TOOLS, findTool, runTool } from "./tools.js";

/** Plain SQL as `mariadb-dump`/`mysqldump` write it (with their header and "-- Dump completed" trailer). */
export const BACKUP_FORMAT = "mysql-dump-sql-v1";

/** The largest packet the tools may send or receive; the server's own limit still applies. */
const MAX_PACKET = "--max-allowed-packet=1073741824";
/** The dump's first line: MariaDB ≥ 10.11.8 puts a sandbox-mode marker before the "-- MariaDB dump" comment. */
const DUMP_HEADER = /^(?:\/\*M?!999999\\- enable the sandbox mode \*\/ ?\r?\n)?-- (?:MariaDB|MySQL) dump /;
const HEAD_BYTES = 4096;
/** The dump's last line, so a cut-off artifact is told from a complete one. */
const DUMP_TRAILER = "-- Dump completed";

/**
 * The `mariadb-dump` options `backup` uses (plus `--events` when the user may see
 * events), so an operator or a benchmark can reproduce its dump by hand:
 * one consistent InnoDB snapshot without locking tables, rows streamed as read,
 * routines and triggers, no tablespace statements (they need the PROCESS privilege).
 */
export const DUMP_OPTIONS: readonly string[] = [
  "--single-transaction",
  "--quick",
  "--routines",
  "--triggers",
  "--no-tablespaces",
  "--default-character-set=utf8mb4",
  MAX_PACKET,
];

/** The dependency's database (from its metadata, else the URL's path) and how to reach it. */
function dependencyEndpoint(connectionUrl: string, metadata: SafeMetadata | undefined): MysqlEndpoint {
  const endpoint = parseEndpoint(connectionUrl, "connection_url");
  const database = metadata?.database || endpoint.database;
  if (!database) throw new ProviderError("invalid_input", "the connection names no database (mysql://user:password@host:3306/database)", { field: "connection_url" });
  return { ...endpoint, database };
}

/**
 * Native logical backup: `mariadb-dump` (or `mysqldump`) of the dependency's
 * database in one consistent snapshot, streamed into the sink uncompressed
 * (Berth gzips the artifact stream itself). The manifest's row counts are read
 * from the dump stream itself (DumpRowCounter), so they are the rows of the
 * dump's own `--single-transaction` snapshot.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const endpoint = dependencyEndpoint(request.connectionUrl, request.metadata);
  const secrets = secretPartsOfUrl(request.connectionUrl);
  // Connect first, so a wrong password or a dead server fails typed and before any byte is written.
  const session = await MysqlSession.open(endpoint, { what: "the mysql server", secrets, signal: request.signal });
  let events: boolean;
  let engine;
  try {
    engine = await serverIdentity(session);
    // mariadb-dump --events runs SHOW EVENTS, which needs the EVENT privilege on the database.
    // A managed dependency's user has it; an imported connection's may not, and then it cannot
    // see (nor own) any event either.
    events = await session.permits(`SHOW EVENTS FROM ${escapeId(endpoint.database)}`);
  } finally {
    await session.close();
  }
  if (!events) request.progress?.("events not dumped: the user lacks the EVENT privilege");
  request.progress?.("dumping database");
  const args = [...DUMP_OPTIONS, events ? "--events" : "--skip-events", "--", endpoint.database];
  const tool = findTool(DUMP_TOOLS);
  const counter = new DumpRowCounter();
  await runTool(tool, args, endpoint, secrets, { through: counter, output: request.sink, signal: request.signal });
  const content = contentStats([...counter.counts()].map(([name, count]) => ({ scope: "table" as const, name, count })));
  return { format: BACKUP_FORMAT, manifest: { engine, tool: { name: tool.split("/").pop()!, version: dumpToolVersion(tool) }, formatVersion: "1", content } };
}

/** Rows per table of the live database (one consistent snapshot), to compare a restored copy with its manifest. */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  return countLive(request, dependencyEndpoint(request.connectionUrl, request.metadata));
}

/**
 * In-place restore. The artifact's header is checked before anything changes;
 * then every table, view, sequence, routine and event in the database is dropped
 * (so objects created after the backup are gone) and the dump is streamed into
 * the `mariadb` client.
 *
 * MySQL/MariaDB cannot roll back DDL: if the load fails midway (server gone, a
 * truncated artifact), the database holds the objects loaded so far and the
 * restore fails; running it again from a good artifact repairs it. Berth checks
 * the artifact's SHA-256 before restoring, so a truncated file does not get here.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== BACKUP_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${BACKUP_FORMAT}`);
  const endpoint = dependencyEndpoint(request.connectionUrl, request.metadata);
  const secrets = secretPartsOfUrl(request.connectionUrl);
  const source = request.source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head = await readHead(source);
  if (!DUMP_HEADER.test(head.toString("latin1"))) {
    await source.return?.();
    throw new ProviderError("corrupt_artifact", `the artifact is not a ${BACKUP_FORMAT} dump (no mariadb-dump/mysqldump header)`);
  }

  const session = await MysqlSession.open(endpoint, { what: "the mysql server", secrets, signal: request.signal });
  try {
    if (request.manifest) refuseNewerServer(request.manifest, await serverIdentity(session));
    request.progress?.("removing current objects");
    await dropAllObjects(session, endpoint.database);
  } finally {
    await session.close();
  }

  request.progress?.("loading dump");
  const client = findTool(CLIENT_TOOLS);
  // Into another dependency (a new one, a drill's scratch copy), views and routines must not name the
  // source's user as DEFINER: the target's user may not act for it (ERROR 1227). They get the loader's.
  const intoAnother = request.sourceMetadata?.user !== undefined && request.sourceMetadata.user !== endpoint.user;
  const withoutDefiners = intoAnother ? definerStripper() : (chunk: Buffer | undefined) => chunk ?? Buffer.alloc(0);
  let tail = "";
  async function* artifact(): AsyncGenerator<Buffer> {
    try {
      let chunk: Buffer | undefined = head;
      while (chunk) {
        tail = (tail + chunk.subarray(-256).toString("latin1")).slice(-256);
        yield withoutDefiners(chunk);
        const next = await source.next();
        chunk = next.done ? undefined : toBuffer(next.value);
      }
      if (intoAnother) yield withoutDefiners(undefined);
    } finally {
      await source.return?.(); // the client stopped early: release the source too
    }
  }
  const args = [
    // --binary-mode: the artifact's bytes go to the server as they are, and client commands
    // (`\!`, `source`, `system` …) are not interpreted; --sandbox refuses them outright where
    // the client has it; --local-infile=0 stops LOAD DATA LOCAL reading Berth's files.
    "--binary-mode",
    "--batch",
    ...(hasSandboxOption(client) ? ["--sandbox"] : []),
    "--local-infile=0",
    MAX_PACKET,
    `--database=${endpoint.database}`,
  ];
  await runTool(client, args, endpoint, secrets, { input: Readable.from(artifact(), { objectMode: false }), signal: request.signal });
  if (!tail.trimEnd().split("\n").pop()?.startsWith(DUMP_TRAILER)) {
    throw new ProviderError("corrupt_artifact", "the artifact ends before the dump's end marker (truncated); the database holds a partial restore");
  }
}

/** The first HEAD_BYTES of the stream (or all of it, when shorter). */
async function readHead(source: AsyncIterator<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < HEAD_BYTES) {
    const next = await source.next();
    if (next.done) break;
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks);
}

function toBuffer(value: Buffer | string): Buffer {
  return typeof value === "string" ? Buffer.from(value) : value;
}

interface NamedRow extends RowDataPacket {
  name: string;
  type: string;
}

/** Drops every object in `database` the session's user can see, so the restore starts from nothing. */
async function dropAllObjects(session: MysqlSession, database: string): Promise<void> {
  const qualified = (name: string) => `${escapeId(database)}.${escapeId(name)}`;
  await session.exec("SET SESSION foreign_key_checks = 0");
  const relations = await session.rows<NamedRow>("SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [database]);
  const ofType = (types: string[]) => relations.filter((r) => types.includes(r.type)).map((r) => qualified(r.name));
  const views = ofType(["VIEW"]);
  const sequences = ofType(["SEQUENCE"]);
  const tables = relations.filter((r) => !["VIEW", "SEQUENCE"].includes(r.type)).map((r) => qualified(r.name));
  if (views.length > 0) await session.exec(`DROP VIEW IF EXISTS ${views.join(", ")}`);
  if (sequences.length > 0) await session.exec(`DROP SEQUENCE IF EXISTS ${sequences.join(", ")}`);
  if (tables.length > 0) await session.exec(`DROP TABLE IF EXISTS ${tables.join(", ")}`);
  const routines = await session.rows<NamedRow>("SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?", [database]);
  for (const routine of routines) {
    if (routine.type === "PROCEDURE" || routine.type === "FUNCTION") await session.exec(`DROP ${routine.type} IF EXISTS ${qualified(routine.name)}`);
  }
  const events = await session.rows<NamedRow>("SELECT EVENT_NAME AS name, 'EVENT' AS type FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?", [database]);
  for (const event of events) await session.exec(`DROP EVENT IF EXISTS ${qualified(event.name)}`);
}

const sandboxSupport = new Map<string, boolean>();

/** MariaDB clients from 10.11.8/11.x on have --sandbox; MySQL's and older ones refuse unknown options. */
function hasSandboxOption(client: string): boolean {
  let known = sandboxSupport.get(client);
  if (known === undefined) {
    const help = spawnSync(client, ["--no-defaults", "--help"], { encoding: "utf8", timeout: 10_000 });
    known = /--sandbox\b/.test(help.stdout ?? "");
    sandboxSupport.set(client, known);
  }
  return known;
}

/** A DEFINER clause as mariadb-dump writes it: DEFINER=`user`@`host` (quotes doubled inside). Linear: single classes. */
const DEFINER = /DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`/g;
/** Longer than any DEFINER clause Berth's own user names produce, so a clause split across chunks is held back whole. */
const DEFINER_CARRY = 512;

/**
 * Removes DEFINER clauses from a dump stream, chunk by chunk: each chunk is joined to
 * the carried tail of the last, every complete clause removed, and the last bytes held
 * back in case a clause continues in the next chunk (undefined flushes them). latin1
 * keeps bytes as they are.
 */
function definerStripper(): (chunk: Buffer | undefined) => Buffer {
  let carry = "";
  return (chunk) => {
    const text = (carry + (chunk ? chunk.toString("latin1") : "")).replace(DEFINER, "");
    const keep = chunk ? Math.min(DEFINER_CARRY, text.length) : 0;
    carry = text.slice(text.length - keep);
    return Buffer.from(text.slice(0, text.length - keep), "latin1");
  };
}
