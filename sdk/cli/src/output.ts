import { isBerthApiError } from "@berth/client";
import { EXIT, exitCodeFor } from "./exit-codes.js";

export type OutputFormat = "table" | "json";

/** A user-facing failure that is not an API error (bad flag combination, no server). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Plain aligned columns, kubectl style. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
  process.stdout.write(`${[line(headers), ...rows.map(line)].join("\n")}\n`);
}

/** Key: value lines for `show`. */
export function printFields(fields: Array<[string, string]>): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  process.stdout.write(`${fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join("\n")}\n`);
}

/**
 * Prints one clear line (plus field violations) with the reason code, and
 * returns the exit code. Messages come from the server already masked.
 */
export function reportError(error: unknown, format: OutputFormat): number {
  if (isBerthApiError(error)) {
    const exitCode = exitCodeFor(error.code);
    if (format === "json") {
      process.stderr.write(
        `${JSON.stringify({ error: { code: error.codeName, reason: error.reason, message: error.message, metadata: error.metadata, fieldViolations: error.fieldViolations } })}\n`,
      );
      return exitCode;
    }
    const reason = error.reason ? ` [${error.reason}]` : "";
    if (error.reason === "unavailable") {
      // grpc-js says "No connection established. Last error: Error: connect ECONNREFUSED …": keep the cause.
      const cause = /connect (E[A-Z]+) (\S+?)\.?(\s|$)/.exec(error.message);
      const what = cause ? `cannot reach the Berth server at ${cause[2]} (${cause[1]})` : error.message;
      process.stderr.write(`error: ${what}${reason} (is it running? start one with \`pnpm berth dev\`, or pass --server HOST:PORT)\n`);
      return exitCode;
    }
    process.stderr.write(`error: ${error.message}${reason}\n`);
    // The message usually lists the violations already; print only what it does not say.
    for (const violation of error.fieldViolations) {
      if (!error.message.includes(violation.description)) process.stderr.write(`  ${violation.field}: ${violation.description}\n`);
    }
    // The metadata maps each blocked binding id to its reason.
    if (error.reason === "dependency_runtime_injection_blocked") {
      for (const [binding, blocked] of Object.entries(error.metadata)) process.stderr.write(`  ${binding}: ${blocked}\n`);
      process.stderr.write("  (nothing was created; `berth deployments plan` shows every binding)\n");
    }
    return exitCode;
  }
  if (error instanceof CliError) {
    if (format === "json") process.stderr.write(`${JSON.stringify({ error: { reason: error.reason, message: error.message } })}\n`);
    else process.stderr.write(`error: ${error.message} [${error.reason}]\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  return EXIT.failed;
}

export function age(iso: string | undefined): string {
  if (!iso) return "";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}
