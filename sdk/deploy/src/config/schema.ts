import { z } from "zod";
import { BUILT_IN_DEPENDENCY_KINDS, DATA_CLASSES, DEPENDENCY_SOURCES, PREVIEW_LIFECYCLES } from "./types.js";

/** Resource names, as the deployment service accepts them. */
export const RESOURCE_NAME = /^[a-z][a-z0-9-]{0,62}$/;
/** Dependency names, as the dependency service accepts them (no trailing "-"). */
export const DEPENDENCY_NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Dependency kinds, as provider manifests name them; which exist is the server's loaded providers' say. */
export const DEPENDENCY_KIND = /^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
/** Environment variable names a binding may target. */
export const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;

export const BACKUP_DEFAULTS = { enabled: true, intervalHours: 24, retentionDays: 7, retryOnFailure: false } as const;
/** Limits of the backup service's policy operation. */
export const MAX_INTERVAL_HOURS = 24 * 366;
export const MAX_RETENTION_DAYS = 3650;

const NAME_RULE = "must be 1-63 lowercase letters, digits or -, starting with a letter and not ending with -";

/** A whole number of `unit` from 1 to `max`, as the backup policy operation accepts it; `maxNote` explains a bound that is not obvious. */
function wholeNumberOf(unit: string, max: number, maxNote = "") {
  return z
    .number()
    .int({ error: `must be a whole number of ${unit}` })
    .min(1, { error: "must be at least 1" })
    .max(max, { error: `must be at most ${max}${maxNote}` });
}

function isHttpUrlWithoutUserinfo(value: string): boolean {
  try {
    const url = new URL(value);
    return !url.username && !url.password;
  } catch {
    return true; // the url format check reports it
  }
}

const run = z
  .strictObject({
    command: z.string().min(1, { error: "must not be empty" }).describe("Command line that starts the resource, e.g. `node server.js`. Required within `run`."),
    cwd: z
      .string()
      .min(1, { error: "must not be empty" })
      .optional()
      .describe("Working directory for `command` on the runtime target. A relative path is resolved against the directory of berth.yaml on the machine running `berth deploy` (use an absolute path for a remote target). Default: the runtime target's own."),
    healthUrl: z
      .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
      .refine(isHttpUrlWithoutUserinfo, { error: "must not contain a user name or password (user@host)" })
      .optional()
      .describe("http(s) URL that answers when the resource is healthy, e.g. http://127.0.0.1:8080/health. Must not contain userinfo."),
  })
  .describe("How the resource starts. `berth deploy` creates the resource from it when missing; an existing resource that differs is reported as a conflict (config_conflict). Optional.");

const bind = z
  .strictObject({
    env: z
      .string()
      .regex(ENV_VAR_NAME, { error: "must be an environment variable name: A-Z, 0-9 and _, not starting with a digit" })
      .describe("Environment variable the dependency's connection is delivered in, e.g. DATABASE_URL. Two dependencies may not bind the same variable."),
  })
  .describe("How the resource receives the dependency. The connection secret itself never appears in berth.yaml.");

const backup = z
  .strictObject({
    enabled: z.boolean().default(BACKUP_DEFAULTS.enabled).describe("Whether scheduled backups run. Default: true."),
    intervalHours: wholeNumberOf("hours", MAX_INTERVAL_HOURS, " (366 days)")
      .default(BACKUP_DEFAULTS.intervalHours)
      .describe(`Hours between scheduled backups, 1 to ${MAX_INTERVAL_HOURS}. Default: 24.`),
    retentionDays: wholeNumberOf("days", MAX_RETENTION_DAYS)
      .default(BACKUP_DEFAULTS.retentionDays)
      .describe(`Days a scheduled backup is kept, 1 to ${MAX_RETENTION_DAYS}. Default: 7.`),
    retryOnFailure: z.boolean().default(BACKUP_DEFAULTS.retryOnFailure).describe("Retry a failed scheduled backup with backoff. Default: false."),
  })
  .describe("Scheduled backup policy, only for `source: managed`. Deploy reconciles the policy; it never runs a backup itself. Without this block the file declares no backup policy for the dependency.");

const dependency = z
  .strictObject({
    kind: z
      .string()
      .regex(DEPENDENCY_KIND, { error: "must be a dependency kind: lowercase letters, digits and -, e.g. postgres" })
      .describe(
        `Dependency kind: one a provider loaded by the server declares — built in: ${BUILT_IN_DEPENDENCY_KINDS.join(", ")} — or a provider plugin's kind (\`berth provider list\` shows them). Deploy checks it against the server.`,
      )
      .meta({ examples: [...BUILT_IN_DEPENDENCY_KINDS] }),
    source: z
      .enum(DEPENDENCY_SOURCES, { error: `must be one of ${DEPENDENCY_SOURCES.join(", ")}` })
      .default("managed")
      .describe("`managed` (default): Berth provisions it. `existing`: bind a dependency that already exists in the environment, named by `name`."),
    name: z
      .string()
      .regex(DEPENDENCY_NAME, { error: NAME_RULE })
      .optional()
      .describe("Name of the existing dependency to bind. Required with `source: existing`; not allowed with `source: managed`."),
    bind,
    backup: backup.optional(),
    seedFrom: z
      .string()
      .regex(DEPENDENCY_NAME, { error: NAME_RULE })
      .optional()
      .describe(
        "Only for `source: managed`: the name of a dependency of the same kind in the same environment. When deploy creates this dependency (a preview's, say), it restores that dependency's newest verified backup (one with a passed restore drill) into it instead of starting empty. The source is never touched.",
      ),
    dataClass: z
      .enum(DATA_CLASSES, { error: `must be one of ${DATA_CLASSES.join(", ")}` })
      .optional()
      .describe(
        "How much the dependency's data matters: `disposable` (always data-ready), `reproducible` (needs a recent backup) or `production-critical` (needs an enabled backup policy, a recent backup and a recent passed restore drill with a passed post-restore check). Deploy sets it on provision and updates it when it differs; without it the dependency's class is left as it is.",
      ),
  })
  .describe("One dependency of the resource. Credentials, connection strings, provider accounts and backup handles are forbidden here.");

const preview = z
  .strictObject({
    lifecycle: z
      .enum(PREVIEW_LIFECYCLES, { error: `must be one of ${PREVIEW_LIFECYCLES.join(", ")}` })
      .default("persistent")
      .describe("`ephemeral`: `berth preview cleanup` deletes the preview's own config-created dependencies. `persistent` (default): kept."),
  })
  .describe("Preview environment behaviour. Default: { lifecycle: persistent }.");

/**
 * The structure of berth.yaml v1 (input side). Cross-field rules (name only with
 * `existing`, backup only with `managed`, one env var per dependency) and the
 * forbidden-content rules are checked by the parser, not by this schema.
 */
export const berthConfigSchema = z
  .strictObject({
    resource: z.string().regex(RESOURCE_NAME, { error: NAME_RULE.replace(" and not ending with -", "") }).describe("Name of the resource (app or worker) this file configures. Required."),
    run: run.optional(),
    dependencies: z
      .record(z.string().regex(DEPENDENCY_NAME, { error: `dependency name ${NAME_RULE}` }), dependency)
      .default({})
      .describe("Dependencies of the resource, keyed by dependency name. Default: none."),
    preview: preview.default({ lifecycle: "persistent" }),
  })
  .describe("berth.yaml v1: a resource and the dependencies it needs. Never put credentials, connection strings, provider accounts or backup handles here.");

export type BerthConfigInput = z.input<typeof berthConfigSchema>;
export type BerthConfigParsed = z.output<typeof berthConfigSchema>;
