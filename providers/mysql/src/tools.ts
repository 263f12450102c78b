import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isProviderError, ProviderError, redactSecrets, spawnTool } from "@berth/provider-sdk";
import { coalesceChunks } from "./coalesce.js";
import type { MysqlEndpoint } from "./connection.js";

/** Size of the chunks a tool's output reaches the sink in. */
const OUTPUT_CHUNK_BYTES = 256 * 1024;

const found = new Map<string, string>();

/** The first of `names` on PATH (MariaDB's `mariadb-dump` before MySQL's `mysqldump`). */
export function findTool(names: readonly string[]): string {
  const key = names.join(",");
  const cached = found.get(key);
  if (cached) return cached;
  for (const name of names) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (!dir) continue;
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        found.set(key, path);
        return path;
      } catch {
        // not here; keep looking
      }
    }
  }
  throw new ProviderError("internal", `none of ${names.join(", ")} is installed on the Berth host (install the MariaDB or MySQL client tools)`);
}

export const DUMP_TOOLS = ["mariadb-dump", "mysqldump"] as const;
export const CLIENT_TOOLS = ["mariadb", "mysql"] as const;

/** A value for a MySQL option file: double-quoted, with `\` and `"` escaped. */
function optionValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new ProviderError("invalid_input", "user or password must not contain line breaks", { field: "connection_url" });
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Writes the connection settings to a 0600 option file in a fresh 0700 directory,
 * so the password never appears on a command line (visible in `ps`) or in the
 * environment (visible in /proc/<pid>/environ to the same user). The tool is
 * started with `--defaults-file`, which reads this file only: a `~/.my.cnf` on the
 * Berth host cannot override the user or password.
 */
function writeOptionFile(endpoint: MysqlEndpoint): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "berth-mysql-"));
  const path = join(dir, "client.cnf");
  const lines = [
    "[client]",
    `host=${optionValue(endpoint.host)}`,
    `port=${endpoint.port}`,
    `user=${optionValue(endpoint.user)}`,
    `password=${optionValue(endpoint.password)}`,
    "protocol=TCP",
  ];
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ToolRun {
  /** Piped into the tool's stdin. */
  input?: Readable;
  /** Receives the tool's stdout; ended when it ends. */
  output?: Writable;
  /** A stage stdout passes through on its way to `output` (e.g. a row counter). */
  through?: Transform;
  signal: AbortSignal;
}

/**
 * Runs a client tool against `endpoint`, streaming `input` in or stdout out.
 * Fails with a ProviderError carrying the tool's redacted last stderr lines:
 * target_unavailable when it could not connect or log in, corrupt_artifact for
 * an SQL syntax error (the input was not a dump this server can read), internal
 * otherwise.
 */
export async function runTool(tool: string, args: string[], endpoint: MysqlEndpoint, secrets: string[], run: ToolRun): Promise<void> {
  const options = writeOptionFile(endpoint);
  const redact = (text: string) => redactSecrets(text, [endpoint.password, ...secrets]);
  const name = tool.split("/").pop();
  try {
    const child = spawnTool(tool, [`--defaults-file=${options.path}`, ...args], {
      signal: run.signal,
      stdio: [run.input ? "pipe" : "ignore", run.output ? "pipe" : "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-8000)));
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve(code));
    });
    const streams: Array<Promise<unknown>> = [exited];
    // The tool stops reading stdin when it fails (EPIPE); its exit code and stderr say why.
    if (run.input) streams.push(pipeline(run.input, child.stdin!).catch((error: unknown) => (isBrokenPipe(error) ? undefined : Promise.reject(error))));
    if (run.output) {
      const stages = run.through ? [coalesceChunks(OUTPUT_CHUNK_BYTES), run.through] : [coalesceChunks(OUTPUT_CHUNK_BYTES)];
      streams.push(pipeline([child.stdout!, ...stages, run.output]));
    }
    // Whichever fails first is reported; the others' later failures are consequences.
    for (const stream of streams) stream.catch(() => undefined);
    try {
      await Promise.all(streams);
    } catch (error) {
      child.kill("SIGTERM");
      await exited.catch(() => undefined);
      if (isProviderError(error)) throw error;
      const reason = run.signal.aborted ? "aborted" : redact((error as Error).message ?? String(error));
      throw new ProviderError("internal", `${name} was interrupted: ${reason}`, { cause: error });
    }
    const code = await exited;
    if (code !== 0) throw new ProviderError(classify(stderr), `${name} exited with ${code}: ${redact(lastLines(stderr))}`);
  } finally {
    options.remove();
  }
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED" || code === "ERR_STREAM_PREMATURE_CLOSE";
}

/** MySQL client error numbers: 2002/2003/2005/2013 cannot connect, 1044/1045 access denied, 1049 unknown database. */
function classify(stderr: string): "target_unavailable" | "corrupt_artifact" | "internal" {
  if (/\b(?:ERROR|Got error:) ?(?:2002|2003|2005|2013|1044|1045|1049)\b|Can't connect|Access denied for user|Unknown database/i.test(stderr)) return "target_unavailable";
  if (/\bERROR 1064\b|Unknown command|ASCII '\\0'/i.test(stderr)) return "corrupt_artifact";
  return "internal";
}

/**
 * The tool's error lines. The client echoes the failing statement between dashed
 * lines, and errors quote parts of it (`near '…'`, `Duplicate entry '…'`): that is
 * the artifact's (the user's) data, so only the `ERROR …` lines (or the last
 * lines) are kept, without those quotes.
 */
function lastLines(stderr: string): string {
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !/^-+$/.test(line));
  const errors = lines.filter((line) => /^ERROR \d+/.test(line));
  return (errors.length > 0 ? errors.slice(-2) : lines.slice(-2))
    .map((line) =>
      line
        .replace(/ near '[\s\S]*$/, " (statement excerpt removed)")
        .replace(/Duplicate entry '[^']*' for key/, "Duplicate entry (value removed) for key")
        .slice(0, 400),
    )
    .join(" | ");
}
