import { randomUUID } from "node:crypto";
import { Command, InvalidArgumentError, Option } from "commander";
import { ProvenanceSource, type BerthClient } from "@berth/client";
import { connect, type ConnectionFlags } from "../connection.js";
import { EXIT } from "../exit-codes.js";
import { type OutputFormat } from "../output.js";
import { type Settled } from "../wait.js";
import { type RecordKind } from "./records.js";
import { addScopeOptions, resolveSubject, type Scope, type Subject, subjectArgument } from "./resolve.js";

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

/** --status: only records in this status, one of `statuses` (the enum's values in lower case). */
export function statusOption(statuses: string[]): Option {
  return new Option("--status <status>", "only this status").choices(statuses);
}

/** --status as the proto enum: "succeeded" → BACKUP_STATUS_SUCCEEDED; not given → the UNSPECIFIED value, which lists every status. */
export function statusFilter<E>(status: string | undefined, prefix: string, fromJSON: (json: string) => E): E {
  return fromJSON(`${prefix}${(status ?? "unspecified").toUpperCase()}`);
}

export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}`;
}

interface PageFlags {
  pageSize: number;
  pageToken?: string;
  all: boolean;
}

/** --page-size, --page-token and --all, as on `berth dependency list`. */
function addPageOptions(command: Command): Command {
  return command
    .option("--page-size <n>", "results per page (1-500)", (v) => Number.parseInt(v, 10), 50)
    .option("--page-token <token>", "continue from a previous page")
    .option("--all", "fetch every page", false);
}

/** Fetches one page, or every page with --all. */
async function collectPages<T>(flags: PageFlags, fetch: (pageToken: string, pageSize: number) => Promise<{ items: T[]; nextPageToken: string }>): Promise<{ items: T[]; nextPageToken: string }> {
  const items: T[] = [];
  let pageToken = flags.pageToken ?? "";
  do {
    const page = await fetch(pageToken, flags.pageSize);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (flags.all && pageToken);
  return { items, nextPageToken: pageToken };
}

/** Prints one record in the chosen format. */
export type Printer<T> = (record: T, format: OutputFormat) => void;

/** Prints a page of records in the chosen format, with the token of the next page. */
export type ListPrinter<T> = (items: T[], format: OutputFormat, nextPageToken: string) => void;

/** What a command shape declares besides its action. */
interface Shape {
  name: string;
  alias?: string;
  description: string;
  /**
   * The positional names a dependency, resource or server by id or name: it is
   * declared (with --project/--environment where a name needs them) and resolved
   * to the id the action gets.
   */
  subject?: Subject;
  /** Any other positional: [name, description]. */
  argument?: [string, string];
  /** --project/--environment, for a dependency or resource given by name. */
  scope?: "dependency" | "resource";
  /** The command's own options. */
  options?: (command: Command) => Command;
  examples?: string[];
  /** More help after the examples. */
  help?: string;
}

/** The --project/--environment a shape's positional needs, if any. */
function scopeOf(shape: Shape): "dependency" | "resource" | undefined {
  return shape.subject ? subjectArgument(shape.subject).scope : shape.scope;
}

/** The positional as the action gets it: a subject's id, resolved, or the argument as given. */
function positional(client: BerthClient, shape: Shape, ref: string, scope: Scope): Promise<string> | string {
  return shape.subject ? resolveSubject(client, shape.subject, ref, scope) : ref;
}

/** The command with its name, alias, description and positional, and the help after its options. */
function declare(shape: Shape): Command {
  const command = new Command(shape.name).description(shape.description);
  if (shape.alias) command.alias(shape.alias);
  const argument = shape.subject ? subjectArgument(shape.subject).argument : shape.argument;
  if (argument) command.argument(...argument);
  const help = (shape.examples ? examples(...shape.examples) : "") + (shape.help ?? "");
  return help ? command.addHelpText("after", help) : command;
}

/**
 * A command on one record that prints the record the server answers: `create`,
 * `show`, `delete`, `stop`… Its options: the scope's, then its own.
 */
export interface RecordCommand<F, T> extends Shape {
  /** Refuses a combination of flags before anything is looked up (throw a CliError). */
  check?: (flags: F) => void;
  /** Calls the server; the record it answers is printed and the command exits 0. `given` is the positional as typed. */
  run: (client: BerthClient, flags: F & GlobalFlags, id: string, given: string) => Promise<T | undefined>;
  print: Printer<T>;
}

export function recordCommand<F, T>(spec: RecordCommand<F, T>): Command {
  let command = declare(spec);
  const scope = scopeOf(spec);
  if (scope) command = addScopeOptions(command, scope);
  if (spec.options) command = spec.options(command);
  return command.action(
    withClient<F & Scope>(async (client, flags, ref) => {
      spec.check?.(flags);
      spec.print((await spec.run(client, flags, await positional(client, spec, ref, flags), ref))!, flags.output);
      return EXIT.ok;
    }),
  );
}

/** The help of a `show`: its name (`show` unless given), alias, description and examples. */
export type ShowCommand = Omit<Shape, "name" | "subject" | "argument" | "scope" | "options"> & { name?: string };

/** A command that fetches one record of a kind by its positional and prints it. */
export function showCommand<T>(kind: RecordKind<T>, spec: ShowCommand): Command {
  return recordCommand({ name: "show", ...spec, subject: kind.subject, argument: kind.argument, run: (client, _flags, id) => kind.get(client, id), print: kind.print });
}

/**
 * A `delete`: its own options (a confirmation's --yes, --force), then --request-id;
 * the record the server answers (as deleted) is printed.
 */
export type DeleteCommand<F, T> = Omit<RecordCommand<F & { requestId?: string }, T>, "name" | "alias">;

/** `delete` (alias `rm`). */
export function deleteCommand<F, T>(spec: DeleteCommand<F, T>): Command {
  return recordCommand({ name: "delete", alias: "rm", ...spec, options: (command) => (spec.options ? spec.options(command) : command).addOption(requestIdOption()) });
}

/** A paged list. Its options: its own, the scope's, then --page-size, --page-token and --all. */
export interface ListCommand<F, Q, K extends string, T> extends Shape {
  /** The request's filter, from the flags and the positional (a subject's id, resolved once). */
  filter: (client: BerthClient, flags: F & GlobalFlags, id: string) => Q | Promise<Q>;
  /** Fetches one page of the filtered list. */
  list: (client: BerthClient, request: Q & { pageSize: number; pageToken: string }) => Promise<{ [key in K]: T[] } & { nextPageToken: string }>;
  /** The field of the list's response that holds the page's items. */
  items: K;
  print: ListPrinter<T>;
}

export function listCommand<F, Q, K extends string, T>(spec: ListCommand<F, Q, K, T>): Command {
  let command = declare(spec);
  if (spec.options) command = spec.options(command);
  const scope = scopeOf(spec);
  if (scope) command = addScopeOptions(command, scope);
  return addPageOptions(command).action(
    withClient<F & Scope & PageFlags>(async (client, flags, ref) => {
      const filter = await spec.filter(client, flags, await positional(client, spec, ref, flags));
      const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
        const page = await spec.list(client, { ...filter, pageSize, pageToken });
        return { items: page[spec.items], nextPageToken: page.nextPageToken };
      });
      spec.print(items, flags.output, nextPageToken);
      return EXIT.ok;
    }),
  );
}

/**
 * A command that starts work (create, restore, verify, cancel): without --wait it
 * prints the record as the server answered (exit 0); with it, follows the record
 * until it settles and prints where it ended, with the wait's exit code.
 */
export async function printOrWait<T>(flags: GlobalFlags & { wait: boolean }, record: T | undefined, print: Printer<T>, wait: () => Promise<Settled<T>>): Promise<number> {
  if (!flags.wait) {
    print(record!, flags.output);
    return EXIT.ok;
  }
  const settled = await wait();
  print(settled.record, flags.output);
  return settled.exitCode;
}
