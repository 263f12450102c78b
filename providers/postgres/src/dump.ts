import { spawn } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { ProviderError, redactSecrets, secretPartsOfUrl, type BackupRequest, type BackupResult, type RestoreRequest } from "@berth/provider-sdk";

export const BACKUP_FORMAT = "pg_dump-custom";

/** The URL without its password, and the password as PGPASSWORD (never on a command line). */
function connectionFor(connectionUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(connectionUrl);
  const password = decodeURIComponent(url.password);
  url.password = "";
  return { url: url.toString(), env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: "10" } };
}

/** Runs a pg tool, piping `input` in or its output out; fails with its redacted stderr. */
async function runTool(tool: string, args: string[], connectionUrl: string, signal: AbortSignal, io: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }): Promise<void> {
  const { url, env } = connectionFor(connectionUrl);
  const child = spawn(tool, [...args, "--dbname", url], { env, signal, stdio: [io.input ? "pipe" : "ignore", io.output ? "pipe" : "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  const streams: Array<Promise<unknown>> = [exited];
  if (io.input) streams.push(pipeline(io.input, child.stdin!));
  if (io.output) streams.push(pipeline(child.stdout!, io.output));
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

/** Native logical backup: `pg_dump -Fc` streamed into the sink. */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  // Uncompressed custom format: Berth compresses the artifact stream itself (gzip level 1),
  // so compressing here too would only spend CPU twice.
  await runTool("pg_dump", ["--format=custom", "--compress=0", "--no-owner", "--no-privileges"], request.connectionUrl, request.signal, { output: request.sink });
  return { format: BACKUP_FORMAT };
}

/**
 * In-place restore with `pg_restore --clean --if-exists` in one transaction:
 * either the whole dump is applied or the database is left as it was.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== BACKUP_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${BACKUP_FORMAT}`);
  await runTool(
    "pg_restore",
    ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"],
    request.connectionUrl,
    request.signal,
    { input: request.source },
  );
}
