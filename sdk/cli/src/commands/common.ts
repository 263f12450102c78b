import { randomUUID } from "node:crypto";
import { Command, InvalidArgumentError, Option } from "commander";
import { ProvenanceSource, type BerthClient } from "@berth/client";
import { connect, type ConnectionFlags } from "../connection.js";
import { type OutputFormat } from "../output.js";

export interface GlobalFlags {
  output: OutputFormat;
}

/** Runs an action with a connected client and the global flags; returns its exit code. */
type Action<T> = (client: BerthClient, flags: T & GlobalFlags, ...args: string[]) => Promise<number>;

/**
 * A subcommand may define an option the program also has (the runtime target of
 * `berth deployments plan --server local`), so flags are merged with the
 * command's own options winning (optsWithGlobals() lets the globals win), and the
 * connection comes from the program's own --server/--token/--tls.
 */
export function withClient<T>(action: Action<T>) {
  return async function (this: Command, ...args: unknown[]) {
    const flags = flagsOf(this) as T & GlobalFlags;
    const client = connect(rootOf(this).opts() as ConnectionFlags);
    try {
      process.exitCode = await action(client, flags, ...(args.filter((a) => typeof a === "string") as string[]));
    } finally {
      client.close();
    }
  };
}

function rootOf(command: Command): Command {
  return command.parent ? rootOf(command.parent) : command;
}

function flagsOf(command: Command): Record<string, unknown> {
  return { ...(command.parent ? flagsOf(command.parent) : {}), ...command.opts() };
}

export const provenance = { source: ProvenanceSource.PROVENANCE_SOURCE_CLI, repository: "", environment: "", previewId: "", actor: process.env.USER ?? "" };

export function requestIdOption(): Option {
  return new Option("--request-id <id>", "idempotency key: retrying with the same id returns the same record (default: a new random id)");
}

export function requestId(flags: { requestId?: string }): string {
  return flags.requestId ?? `cli-${randomUUID()}`;
}

/** --timeout in seconds (default 10 minutes); the parsed value is milliseconds. */
export function timeoutOption(): Option {
  return new Option("--timeout <seconds>", "stop waiting after this many seconds (the work itself goes on)").argParser(parseTimeout).default(600_000, "600");
}

export function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError("must be a positive number of seconds");
  return seconds * 1000;
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}`;
}

export interface PageFlags {
  pageSize: number;
  pageToken?: string;
  all: boolean;
}

/** --page-size, --page-token and --all, as on `berth dependency list`. */
export function addPageOptions(command: Command): Command {
  return command
    .option("--page-size <n>", "results per page (1-500)", (v) => Number.parseInt(v, 10), 50)
    .option("--page-token <token>", "continue from a previous page")
    .option("--all", "fetch every page", false);
}

/** Fetches one page, or every page with --all. */
export async function collectPages<T>(flags: PageFlags, fetch: (pageToken: string, pageSize: number) => Promise<{ items: T[]; nextPageToken: string }>): Promise<{ items: T[]; nextPageToken: string }> {
  const items: T[] = [];
  let pageToken = flags.pageToken ?? "";
  do {
    const page = await fetch(pageToken, flags.pageSize);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (flags.all && pageToken);
  return { items, nextPageToken: pageToken };
}
