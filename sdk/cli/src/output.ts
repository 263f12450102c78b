import { isBerthApiError, plainJson } from "@berth/client";
import { EXIT, exitCodeFor, type CliReason } from "./exit-codes.js";

export type OutputFormat = "table" | "json";

/** A user-facing failure that is not an API error (bad flag combination, no server). */
export class CliError extends Error {
  constructor(
    message: string,
    /** A CLI reason (CLI_REASONS) or an API reason ("invalid_argument"); it decides the exit code. */
    readonly reason: CliReason | (string & {}),
    /** @deprecated Ignored: the reason decides the exit code. Kept so older call sites still compile. */
    _exitCode?: number,
  ) {
    super(message);
    this.name = "CliError";
  }

  get exitCode(): number {
    return exitCodeFor(this);
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

/** The rows of a `show`: label, value. */
export type Fields = Array<[string, string]>;

/** A row only when there is a value (a time not reached yet, a reason only some records have). */
export function optional(label: string, value: string | undefined): Fields {
  return value ? [[label, value]] : [];
}

/** Key: value lines for `show`. */
export function printFields(fields: Fields): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  process.stdout.write(`${fields.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join("\n")}\n`);
}

/**
 * One record: its JSON (plainJson of the message type: every field, the table's
 * words), or the `show` rows and then what `more` prints below them.
 */
export function printRecord(typeName: string, record: object, format: OutputFormat, fields: () => Fields, more?: () => void): void {
  if (format === "json") return printJson(plainJson(typeName, record));
  printFields(fields());
  more?.();
}

/** How a list prints as a table. */
export interface ListTable<T> {
  /** The message type of an item, for the JSON output. */
  typeName: string;
  /** Printed instead of a table when there are no items; without it, the headers alone (tokens, audit records). */
  empty?: string;
  headers: string[];
  row: (item: T) => string[];
}

/**
 * A page of a list: JSON `{ items, nextPageToken }`, or a table with, when
 * there are more, the flag that fetches the next page.
 */
export function printList<T extends object>(items: T[], format: OutputFormat, nextPageToken: string, table: ListTable<T>): void {
  if (format === "json") return printJson({ items: items.map((item) => plainJson(table.typeName, item)), nextPageToken });
  if (items.length === 0 && table.empty !== undefined) {
    process.stdout.write(`${table.empty}\n`);
    return;
  }
  printTable(table.headers, items.map(table.row));
  if (nextPageToken) process.stdout.write(`(more: --page-token ${nextPageToken})\n`);
}

/** A proto enum's JSON name as a word: ("BACKUP_STATUS_SUCCEEDED", "BACKUP_STATUS_") → "succeeded". */
export function enumName(json: string, prefix: string): string {
  return json.replace(prefix, "").toLowerCase();
}

/**
 * Prints one clear line (plus field violations) with the reason code, and
 * returns the exit code. Messages come from the server already masked.
 */
export function reportError(error: unknown, format: OutputFormat): number {
  if (isBerthApiError(error)) {
    const exitCode = exitCodeFor(error);
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
      process.stderr.write(`error: ${what}${reason} (is it running? start one with \`pnpm berth dev\`, or pass --api HOST:PORT)\n`);
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
    if (error.reason === "restore_acknowledgement_required") {
      process.stderr.write(
        "  (nothing was changed. A restore overwrites the dependency's data in place with the backup's: everything written\n" +
          "  since the backup was taken is lost. Re-run with --acknowledge-data-overwrite to confirm.)\n",
      );
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

/** 90 → "90s", 3600 → "60m", 86400 → "24h", 604800 → "7d" (the units of an AGE column). */
function span(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86400)}d`;
}

export function age(iso: string | undefined): string {
  if (!iso) return "";
  return span(Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000)));
}

/** How long until a future time: "in 7d"; "due" once it has passed. */
export function until(iso: string | undefined): string {
  if (!iso) return "";
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return seconds > 0 ? `in ${span(seconds)}` : "due";
}

/**
 * Bytes in decimal units with one decimal: 512 → "512 B", 12_400_000 → "12.4 MB".
 * Takes the proto int64 string as well (exact up to 2^53, i.e. 9 PB).
 */
export function humanBytes(value: number | string): string {
  const bytes = Number(value);
  if (!Number.isFinite(bytes) || bytes < 1000) return `${Number.isFinite(bytes) ? bytes : 0} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let scaled = bytes;
  let unit = -1;
  while (scaled >= 999.95 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${scaled.toFixed(1)} ${units[unit]}`;
}

/** Milliseconds for people: "850ms", "4.2s", "3m 07s", "1h 02m". */
export function humanDuration(value: number | string): string {
  const ms = Math.max(0, Number(value) || 0);
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}
