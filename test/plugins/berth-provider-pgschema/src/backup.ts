import { pipeline } from "node:stream/promises";
import { isProviderError, ProviderError, redactSecrets, secretPartsOfUrl, type BackupRequest, type BackupResult } from "@berth/provider-sdk";
import { messageOf } from "./admin.js";
import { schemaOf } from "./connection.js";
import { startTool, succeeded } from "./tools.js";

/** pg_dump's custom format of exactly one schema, without owners or grants. */
export const BACKUP_FORMAT = "pg-schema-dump-v1";

/**
 * Streams `pg_dump -Fc --schema=<schema>` into the sink, connected as the
 * dependency's own role: the dump holds only what the dependency owns, and no
 * role names or grants of the shared database. The sink ends only after pg_dump
 * succeeded; a failed dump destroys it, so a truncated artifact never looks whole.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const schema = schemaOf(request.connectionUrl, request.metadata);
  request.progress?.(`dumping schema ${schema}`);
  // Uncompressed: Berth compresses the artifact stream itself.
  const args = ["--format=custom", "--compress=0", `--schema=${schema}`, "--strict-names", "--no-owner", "--no-privileges"];
  const run = startTool("pg_dump", args, request.connectionUrl, request.signal, { stdout: true });
  try {
    await Promise.all([pipeline(run.child.stdout!, request.sink, { end: false }), succeeded(run, request.connectionUrl)]);
  } catch (error) {
    run.child.kill("SIGTERM");
    const typed = isProviderError(error)
      ? error
      : new ProviderError("internal", `the backup stream failed: ${redactSecrets(messageOf(error), secretPartsOfUrl(request.connectionUrl))}`, { cause: error });
    request.sink.destroy(typed);
    throw typed;
  }
  request.sink.end();
  return { format: BACKUP_FORMAT };
}
