/**
 * The declared bound of every scalar request field, checked at the RPC edge
 * before any handler runs (see validate-request.ts). Enums, bools and nested
 * messages bound themselves (enums must be a declared value); strings, numbers,
 * repeated fields and maps need an entry here. A field is looked up by its full
 * name first ("berth.backup.v1.ListRestoresRequest.backup_id"), then by its plain
 * name ("backup_id"). Start-up fails, and `request-limits.test.ts` fails, when a
 * request field has no rule or a rule does not fit the field's type.
 */

/** Which characters a string may hold. Every class refuses NUL and other control characters. */
export type CharClass =
  /** Printable ASCII without spaces: ids, kinds, tokens, env var names. */
  | "token"
  /** One line of text: any character but control characters (tab is allowed). */
  | "line"
  /** Free text: like `line`, plus line breaks (commands, env values). */
  | "text";

export interface StringRule {
  type: "string";
  /** Maximum length in characters. */
  max: number;
  chars: CharClass;
}

export interface IntRule {
  type: "int";
  min: number;
  max: number;
}

/** A repeated field: at most `maxItems`, each checked by `item`. */
export interface ListRule {
  type: "list";
  maxItems: number;
  item: StringRule | IntRule;
}

/** A map field: at most `maxEntries`, keys and values checked by their rules. */
export interface MapRule {
  type: "map";
  maxEntries: number;
  key: StringRule;
  value: StringRule;
}

export type FieldRule = StringRule | IntRule | ListRule | MapRule;

const str = (max: number, chars: CharClass): StringRule => ({ type: "string", max, chars });
const int = (min: number, max: number): IntRule => ({ type: "int", min, max });

/** Ids of records (`dep_…`) and names given where an id is accepted. */
const ID = str(128, "token");
const PAGE_TOKEN = str(256, "token");
const SECRET_REF = str(512, "token");

/** Rules by plain field name: the same meaning in every request message. */
export const RULES_BY_NAME: Readonly<Record<string, FieldRule>> = {
  id: ID,
  request_id: str(128, "token"),
  project_id: ID,
  environment_id: ID,
  dependency_id: ID,
  backup_id: ID,
  policy_id: ID,
  resource_id: ID,
  runtime_target_id: ID,
  deployment_id: ID,
  ids: { type: "list", maxItems: 1000, item: ID },
  name: str(256, "line"),
  kind: str(64, "token"),
  realization_target: str(128, "token"),
  page_size: int(0, 500),
  page_token: PAGE_TOKEN,
  // A connection URL is a secret: long enough for certificates in query parameters, never echoed.
  connection_url: str(8192, "line"),
  secret_ref: SECRET_REF,
  secret_refs: { type: "list", maxItems: 1000, item: SECRET_REF },
  purpose: str(256, "line"),
  target_env_var: str(256, "token"),
  version: int(0, 2_147_483_647),
  retention_days: int(0, 3650),
  verify_every: int(0, 1000),
  check_command: str(16 * 1024, "text"),
  check_env: str(256, "token"),
  check_timeout_seconds: int(0, 3600),
  interval_hours: int(0, 24 * 366),
  interval_minutes: int(0, 24 * 366 * 60),
  // Deployment logs: how many of the last lines to return.
  tail_lines: int(0, 5000),
  // Provenance (berth.common.v1.Provenance).
  repository: str(512, "line"),
  environment: str(256, "line"),
  preview_id: str(128, "token"),
  actor: str(256, "line"),
  restored_from_backup_id: ID,
  // Resources: what to run. A command may be a small multi-line script.
  command: str(16 * 1024, "text"),
  cwd: str(4096, "line"),
  health_url: str(2048, "line"),
  // Tokens and audit (berth.access.v1).
  project_ids: { type: "list", maxItems: 100, item: ID },
  environment_ids: { type: "list", maxItems: 100, item: ID },
  expires_in_seconds: int(0, 10 * 366 * 24 * 3600),
  since: str(64, "token"),
  target: ID,
  env: { type: "map", maxEntries: 200, key: str(256, "token"), value: str(16 * 1024, "text") },
};

/** Rules for one field of one message, where its plain name means something else. */
export const RULES_BY_FIELD: Readonly<Record<string, FieldRule>> = {};

/** The rule of a field, or undefined when none is declared. */
export function ruleFor(messageTypeName: string, fieldName: string): FieldRule | undefined {
  return RULES_BY_FIELD[`${messageTypeName}.${fieldName}`] ?? RULES_BY_NAME[fieldName];
}
