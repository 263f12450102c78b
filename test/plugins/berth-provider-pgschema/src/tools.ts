import { spawn, type ChildProcess } from "node:child_process";
import { postgresToolConnection, ProviderError, redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";

/** A running pg_dump / pg_restore / psql. */
export interface ToolRun {
  tool: string;
  child: ChildProcess;
  /** Resolves with the exit code; rejects when the tool could not start (not installed). */
  exited: Promise<number | null>;
  /** The last lines the tool wrote to stderr (not yet redacted). */
  stderr(): string;
}

/**
 * Starts a Postgres client tool. With a connection URL, the tool connects as that
 * URL's role; the password travels in PGPASSWORD, never on the command line
 * (where `ps` would show it).
 */
export function startTool(
  tool: string,
  args: string[],
  connectionUrl: string | undefined,
  signal: AbortSignal,
  stdio: { stdin?: boolean; stdout?: boolean },
): ToolRun {
  let env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: "10", PGAPPNAME: "berth-provider-pgschema" };
  const fullArgs = [...args];
  if (connectionUrl) {
    const connection = postgresToolConnection(connectionUrl);
    env = { ...env, ...connection.env };
    fullArgs.push(`--dbname=${connection.dbname}`);
  }
  const child = spawn(tool, fullArgs, { env, signal, stdio: [stdio.stdin ? "pipe" : "ignore", stdio.stdout ? "pipe" : "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)));
  // Writes to a tool that already exited fail with EPIPE; the exit code tells the story.
  child.stdin?.on("error", () => undefined);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") reject(new ProviderError("internal", `${tool} is not installed on the Berth server (install the PostgreSQL client tools, e.g. apt install postgresql-client-15)`));
      else if (error.name === "AbortError") reject(new ProviderError("internal", `${tool} was cancelled`));
      else reject(new ProviderError("internal", `${tool} failed to run: ${error.code ?? error.message}`));
    });
    child.once("close", (code) => resolve(code));
  });
  exited.catch(() => undefined); // callers await it when they need it; never an unhandled rejection
  return { tool, child, exited, stderr: () => stderr };
}

const UNREACHABLE = /could not connect|connection to server|Connection refused|timeout expired|password authentication failed|no pg_hba\.conf entry|role "[^"]*" does not exist|is not permitted to log in/;
const CORRUPT = /not appear to be a valid archive|did not find magic string|unsupported version|unexpected end of file|could not read from input file|unrecognized data block type|bad dumpId|invalid (?:archive|OID)/;

/** The typed, redacted error for a tool that exited with `code`. */
export function toolFailure(run: ToolRun, code: number | null, connectionUrl: string | undefined): ProviderError {
  const text = run.stderr();
  const lines = text.trim().split("\n").filter((line) => line.trim() && !line.startsWith("DETAIL") && !line.startsWith("HINT"));
  const detail = redactSecrets(lines.slice(-3).join(" | ") || "no output", connectionUrl ? secretPartsOfUrl(connectionUrl) : []);
  const reason = UNREACHABLE.test(text) ? "target_unavailable" : CORRUPT.test(text) ? "corrupt_artifact" : "internal";
  return new ProviderError(reason, `${run.tool} exited with ${code ?? "a signal"}: ${detail}`);
}

/** Waits for a tool and throws its typed error unless it exited 0. */
export async function succeeded(run: ToolRun, connectionUrl: string | undefined): Promise<void> {
  const code = await run.exited;
  if (code !== 0) throw toolFailure(run, code, connectionUrl);
}
