import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { isProviderError, postgresToolVersion, ProviderError, redactSecrets, secretPartsOfUrl, type RestoreRequest } from "@berth/provider-sdk";
import { messageOf } from "./admin.js";
import { BACKUP_FORMAT } from "./backup.js";
import { schemaOf } from "./connection.js";
import { refuseIncompatible } from "./content.js";
import { startTool, succeeded, toolFailure, type ToolRun } from "./tools.js";

/** How far into an artifact its schema's CREATE SCHEMA entry must appear (it is in the table of contents, first). */
const HEADER_LIMIT = 1024 * 1024;
const SCHEMA_GONE = "berth-provider-pgschema: schema is gone";

/**
 * Restores a backup in place, as the dependency's own role, in ONE transaction:
 *
 *   psql  ← BEGIN; drop every object in the schema; <pg_restore's SQL>; COMMIT;
 *
 * `pg_restore --clean` would drop only the objects the dump holds, so tables created
 * after the backup would survive it; emptying the schema first makes the data end
 * equal to the restore point. The role cannot drop and recreate its schema (it has
 * no CREATE on the shared database, on purpose), so the schema stays and its contents
 * go, and `pg_restore --schema` leaves the dump's CREATE SCHEMA out. COMMIT is sent
 * only after pg_restore read the whole artifact without error: a corrupt or
 * truncated artifact ends the session without it, and Postgres rolls everything back.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== BACKUP_FORMAT) {
    throw new ProviderError("corrupt_artifact", `cannot restore format ${JSON.stringify(request.format.slice(0, 60))}; this provider writes ${BACKUP_FORMAT}`);
  }
  const schema = schemaOf(request.connectionUrl, request.metadata);
  // Before anything runs: a dump from a newer pg_dump or server major than the target can load is refused.
  if (request.manifest) await refuseIncompatible(request.manifest, request.connectionUrl, postgresToolVersion("pg_restore"));
  request.progress?.(`restoring schema ${schema}`);
  const psql = startTool("psql", ["--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-"], request.connectionUrl, request.signal, { stdin: true });
  const pgRestore = startTool("pg_restore", ["--no-owner", "--no-privileges", `--schema=${schema}`, "--file=-"], undefined, request.signal, { stdin: true, stdout: true });
  const sql = psql.child.stdin!;
  sql.write(`BEGIN;\nSET client_min_messages = warning;\n${emptySchemaSql(schema)}\n`);
  try {
    await Promise.all([
      pipeline(request.source, requireDumpOf(schema), pgRestore.child.stdin!),
      pipeline(pgRestore.child.stdout!, sql, { end: false }),
      succeeded(pgRestore, undefined),
    ]);
  } catch (error) {
    // No COMMIT: ending the session rolls the transaction back.
    pgRestore.child.kill("SIGTERM");
    sql.end();
    const psqlCode = await psql.exited.catch(() => null);
    throw psqlCode !== 0 && psqlCode !== null ? failureOf(psql, psqlCode, request.connectionUrl) : typed(error, request.connectionUrl);
  }
  sql.end("COMMIT;\n");
  const code = await psql.exited;
  if (code !== 0) throw failureOf(psql, code, request.connectionUrl);
}

/** Drops every object in `schema` (the role owns them all), leaving the schema itself. */
function emptySchemaSql(schema: string): string {
  // Objects depend on their schema ('n'); members of an extension ('e') and parts of
  // another object ('i', e.g. a range type's constructors) go with their owner object.
  // CASCADE and IF EXISTS because dropping one object may already have dropped others.
  return `DO $berth$
DECLARE
  target oid := to_regnamespace(${pg.escapeLiteral(pg.escapeIdentifier(schema))});
  statements text[];
  statement text;
BEGIN
  IF target IS NULL THEN
    RAISE EXCEPTION '${SCHEMA_GONE}: %', ${pg.escapeLiteral(schema)};
  END IF;
  SELECT coalesce(array_agg(format('DROP %s IF EXISTS %s CASCADE',
           CASE o.type WHEN 'composite type' THEN 'TYPE' WHEN 'statistics object' THEN 'STATISTICS' ELSE upper(o.type) END,
           o.identity) ORDER BY d.objid), '{}')
    INTO statements
    FROM pg_depend d
    CROSS JOIN LATERAL pg_identify_object(d.classid, d.objid, 0) o
   WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = target AND d.deptype = 'n'
     AND NOT EXISTS (
       SELECT 1 FROM pg_depend x
        WHERE x.classid = d.classid AND x.objid = d.objid AND x.deptype IN ('e', 'i')
          AND NOT (x.refclassid = d.classid AND x.refobjid = d.objid));
  FOREACH statement IN ARRAY statements LOOP
    EXECUTE statement;
  END LOOP;
END
$berth$;`;
}

/**
 * Passes the artifact through, failing with corrupt_artifact unless it is a dump of
 * `schema`: a dump of another schema would restore nothing and leave the schema empty.
 */
function requireDumpOf(schema: string): Transform {
  const marker = Buffer.from(`CREATE SCHEMA ${schema};`);
  let tail = Buffer.alloc(0);
  let scanned = 0;
  let found = false;
  const notOurs = () => new ProviderError("corrupt_artifact", `the artifact is not a ${BACKUP_FORMAT} backup of schema ${schema}`);
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!found) {
        const window = Buffer.concat([tail, chunk]);
        found = window.includes(marker);
        scanned += chunk.length;
        tail = window.subarray(Math.max(0, window.length - marker.length + 1));
        if (!found && scanned > HEADER_LIMIT) return done(notOurs());
      }
      done(null, chunk);
    },
    flush(done) {
      done(found ? null : notOurs());
    },
  });
}

function failureOf(psql: ToolRun, code: number | null, connectionUrl: string): ProviderError {
  if (psql.stderr().includes(SCHEMA_GONE)) return new ProviderError("not_found", "the dependency's schema is gone (dropped outside Berth); nothing was restored");
  return toolFailure(psql, code, connectionUrl);
}

function typed(error: unknown, connectionUrl: string): ProviderError {
  if (isProviderError(error)) return error;
  return new ProviderError("internal", `the restore stream failed: ${redactSecrets(messageOf(error), secretPartsOfUrl(connectionUrl))}`, { cause: error });
}
