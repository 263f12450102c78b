import { pipeline } from "node:stream/promises";
import { isProviderError, postgresToolVersion, ProviderError, redactSecrets, secretPartsOfUrl, type BackupRequest, type BackupResult, type ContentStats } from "@berth/provider-sdk";
import { messageOf } from "./admin.js";
import { schemaOf } from "./connection.js";
import { SchemaSnapshot } from "./content.js";
import { startTool, succeeded } from "./tools.js";

/** pg_dump's custom format of exactly one schema, without owners or grants. */
export const BACKUP_FORMAT = "pg-schema-dump-v1";

/**
 * Streams `pg_dump -Fc --schema=<schema>` into the sink, connected as the
 * dependency's own role: the dump holds only what the dependency owns, and no
 * role names or grants of the shared database. The sink ends only after pg_dump
 * succeeded; a failed dump destroys it, so a truncated artifact never looks whole.
 *
 * The manifest is counted in the dump's own snapshot: a REPEATABLE READ
 * transaction exports it, pg_dump imports it (`--snapshot`), and the schema's
 * rows are counted in that transaction while the dump streams.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const schema = schemaOf(request.connectionUrl, request.metadata);
  request.progress?.(`dumping schema ${schema}`);
  const tool = postgresToolVersion("pg_dump");
  let snapshot: SchemaSnapshot | undefined;
  let content: ContentStats | undefined;
  let head = Buffer.alloc(0);
  try {
    snapshot = await SchemaSnapshot.open(request.connectionUrl);
    // Uncompressed: Berth compresses the artifact stream itself.
    const args = ["--format=custom", "--compress=0", `--schema=${schema}`, "--strict-names", "--no-owner", "--no-privileges", `--snapshot=${await snapshot.exportSnapshot()}`];
    const run = startTool("pg_dump", args, request.connectionUrl, request.signal, { stdout: true });
    run.child.stdout!.on("data", (chunk: Buffer) => {
      if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
    });
    try {
      [, , content] = await Promise.all([pipeline(run.child.stdout!, request.sink, { end: false }), succeeded(run, request.connectionUrl), snapshot.count(schema)]);
    } catch (error) {
      run.child.kill("SIGTERM");
      throw error;
    }
  } catch (error) {
    const typed = isProviderError(error)
      ? error
      : new ProviderError("internal", `the backup stream failed: ${redactSecrets(messageOf(error), secretPartsOfUrl(request.connectionUrl))}`, { cause: error });
    request.sink.destroy(typed);
    throw typed;
  } finally {
    await snapshot?.close();
  }
  request.sink.end();
  // The custom archive starts with "PGDMP" and its format version (major, minor, revision bytes).
  const formatVersion = head.length === 8 ? `${head[5]}.${head[6]}.${head[7]}` : "unknown";
  return { format: BACKUP_FORMAT, manifest: { engine: { name: "postgres", version: snapshot!.serverVersion }, tool: { name: "pg_dump", version: tool }, formatVersion, content: content! } };
}
