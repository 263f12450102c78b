/** Reason of a problem whose content may be a secret: a credential, connection, account or backup handle. */
export const CONFIG_SECRET_VALUE_FORBIDDEN = "config_secret_value_forbidden";
/** Reason of any other problem: YAML syntax, unknown key, wrong type, broken rule. */
export const CONFIG_INVALID = "config_invalid";

export type ConfigProblemReason = typeof CONFIG_SECRET_VALUE_FORBIDDEN | typeof CONFIG_INVALID;

/** One thing wrong with a berth.yaml. Never contains the offending value. */
export interface ConfigProblem {
  reason: ConfigProblemReason;
  /** Key path, e.g. `dependencies.db.bind.env`; "" for the whole document. */
  path: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  message: string;
}

const BRAND = Symbol.for("berth.deploy.BerthConfigError");

/**
 * Thrown when a berth.yaml cannot be used. `problems` lists every problem found,
 * in file order; `message` lists them as `file:line:column path: message`.
 *
 * @example
 * try {
 *   parseBerthConfig(text, { file: "berth.yaml" });
 * } catch (error) {
 *   if (isBerthConfigError(error)) for (const p of error.problems) console.error(p.reason, p.path, p.line);
 * }
 */
export class BerthConfigError extends Error {
  /** `config_secret_value_forbidden` when any problem is, else `config_invalid`. */
  readonly reason: ConfigProblemReason;
  readonly file: string;
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[], options?: { cause?: unknown }) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    super(formatProblems(file, sorted), options);
    this.name = "BerthConfigError";
    this.file = file;
    this.problems = sorted;
    this.reason = sorted.some((p) => p.reason === CONFIG_SECRET_VALUE_FORBIDDEN) ? CONFIG_SECRET_VALUE_FORBIDDEN : CONFIG_INVALID;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for a BerthConfigError, also across duplicate copies of this package. */
export function isBerthConfigError(error: unknown): error is BerthConfigError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

function formatProblems(file: string, problems: ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = problems.map((p) => `  ${file}:${p.line}:${p.column} ${p.path || "(document)"}: ${p.message}`);
  return `${file} is invalid (${count}):\n${lines.join("\n")}`;
}
