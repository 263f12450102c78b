import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  postgresToolConnection,
  postgresToolVersion,
  ProviderError,
  redactSecrets,
  refuseNewerVersion,
  secretPartsOfUrl,
  spawnTool,
  type BackupRequest,
  type BackupResult,
  type RestoreRequest,
} from "@berth/provider-sdk";
import { SnapshotSession } from "./content.js";

export const BACKUP_FORMAT = "pg_dump-custom";

/** Runs a pg tool, piping `input` in or its output out; fails with its redacted stderr. */
async function runTool(
  tool: string,
  args: string[],
  connectionUrl: string,
  signal: AbortSignal,
  io: { input?: NodeJS.ReadableStream; output?: NodeJS.ReadWriteStream; sink?: NodeJS.WritableStream },
): Promise<void> {
  const { dbname, env } = postgresToolConnection(connectionUrl);
  const child = spawnTool(tool, [...args, "--dbname", dbname], { env: { ...process.env, ...env, PGCONNECT_TIMEOUT: "10" }, signal, stdio: [io.input ? "pipe" : "ignore", io.output ? "pipe" : "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  const streams: Array<Promise<unknown>> = [exited];
  if (io.input) streams.push(pipeline(io.input, child.stdin!));
  if (io.output) streams.push(io.sink ? pipeline(child.stdout!, io.output, io.sink) : pipeline(child.stdout!, io.output));
  try {
    await Promise.all(streams);
  } catch (error) {
    child.kill("SIGTERM");
    throw new ProviderError("internal", `${tool} was interrupted: ${redactSecrets((error as Error).message, secretPartsOfUrl(connectionUrl))}`, { cause: error });
  }
  const code = await exited;
  if (code !== 0) {
    const detail = redactSecrets(stderr.trim().split("\n").slice(-3).join(" | "), secretPartsOfUrl(connectionUrl));
    throw new ProviderError(/could not connect|connection to server/.test(stderr) ? "target_unavailable" : "internal", `${tool} exited with ${code}: ${detail}`);
  }
}

/**
 * Native logical backup: `pg_dump -Fc` streamed into the sink, with a manifest
 * counted in the dump's own snapshot: a REPEATABLE READ transaction exports its
 * snapshot, pg_dump runs with `--snapshot=` on it, and the rows are counted in
 * that transaction while the dump streams.
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const tool = postgresToolVersion("pg_dump");
  const session = await SnapshotSession.open(request.connectionUrl, request.signal);
  try {
    const snapshot = await session.exportSnapshot();
    const header = archiveHeader();
    // Uncompressed custom format: Berth compresses the artifact stream itself (gzip level 1),
    // so compressing here too would only spend CPU twice.
    const dumped = runTool("pg_dump", ["--format=custom", "--compress=0", "--no-owner", "--no-privileges", `--snapshot=${snapshot}`], request.connectionUrl, request.signal, {
      output: header.tap,
      sink: request.sink,
    });
    // Counted while pg_dump streams; the snapshot stays valid until this transaction ends.
    const counted = session.countContent(request.signal);
    const [, content] = await Promise.all([dumped, counted]);
    return {
      format: BACKUP_FORMAT,
      manifest: { engine: { name: "postgres", version: session.serverVersion }, tool: { name: "pg_dump", version: tool }, formatVersion: header.version(), content },
    };
  } finally {
    await session.close();
  }
}

/** Passes the archive through and reads its header: "PGDMP" and the archive version (major, minor, revision bytes). */
function archiveHeader(): { tap: Transform; version: () => string } {
  let head = Buffer.alloc(0);
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (head.length < 8) head = Buffer.concat([head, chunk.subarray(0, 8 - head.length)]);
      done(null, chunk);
    },
  });
  const version = () => {
    if (head.length < 8 || head.toString("latin1", 0, 5) !== "PGDMP") throw new ProviderError("internal", "pg_dump wrote no custom-format archive header");
    return `${head[5]}.${head[6]}.${head[7]}`;
  };
  return { tap, version };
}

/**
 * In-place restore with `pg_restore --clean --if-exists` in one transaction:
 * either the whole dump is applied or the database is left as it was.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== BACKUP_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${BACKUP_FORMAT}`);
  if (request.manifest) await refuseIncompatible(request);
  await runTool(
    "pg_restore",
    ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"],
    request.connectionUrl,
    request.signal,
    { input: request.source },
  );
}

/**
 * Before anything is touched: the local pg_restore must read the archive (it is
 * no older than the pg_dump that wrote it), and the target server must load its
 * SQL (it is no older than the server the dump came from), both by major version.
 */
async function refuseIncompatible(request: RestoreRequest): Promise<void> {
  const manifest = request.manifest!;
  refuseNewerVersion({ subject: "pg_restore on the Berth server", backupVersion: manifest.tool.version, targetVersion: postgresToolVersion("pg_restore") });
  const session = await SnapshotSession.open(request.connectionUrl, request.signal);
  try {
    refuseNewerVersion({ subject: "the target postgres server", backupVersion: manifest.engine.version, targetVersion: session.serverVersion });
  } finally {
    await session.close();
  }
}
