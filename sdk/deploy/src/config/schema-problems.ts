import type { z } from "zod";
import { didYouMean } from "./suggest.js";
import { DEPENDENCY_SOURCES, PREVIEW_LIFECYCLES } from "./types.js";
import { DEPENDENCY_KIND, ENV_VAR_NAME } from "./schema.js";
import { formatPath, isAtOrBelow, pathKey, type PathSegment } from "./paths.js";
import { CONFIG_INVALID, type ConfigProblem } from "./problems.js";
import type { NodeLocation, Position } from "./yaml-tree.js";

type Issue = z.core.$ZodIssue;

/** Where the problems of one document are placed. */
export interface ProblemPlacement {
  locations: Map<string, NodeLocation>;
  forbiddenPaths: PathSegment[][];
}

/** Allowed keys per object, for unknown-key hints. */
const KEYS_BY_PARENT: Array<{ matches: (path: PathSegment[]) => boolean; keys: readonly string[] }> = [
  { matches: (p) => p.length === 0, keys: ["resource", "run", "dependencies", "preview"] },
  { matches: (p) => p.length === 1 && p[0] === "run", keys: ["command", "cwd", "healthUrl"] },
  { matches: (p) => p.length === 1 && p[0] === "preview", keys: ["lifecycle"] },
  { matches: (p) => p.length === 2 && p[0] === "dependencies", keys: ["kind", "source", "name", "bind", "backup"] },
  { matches: (p) => p.length === 3 && p[0] === "dependencies" && p[2] === "bind", keys: ["env"] },
  { matches: (p) => p.length === 3 && p[0] === "dependencies" && p[2] === "backup", keys: ["enabled", "intervalHours", "retentionDays", "retryOnFailure"] },
];

const ENUM_OPTIONS: Record<string, readonly string[]> = { source: DEPENDENCY_SOURCES, lifecycle: PREVIEW_LIFECYCLES };

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object" || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = { string: "a string", number: "a number", int: "a whole number", boolean: "true or false", object: "a mapping", record: "a mapping", array: "a list" };

function problemAt(placement: ProblemPlacement, path: PathSegment[], which: "key" | "value" | "parent-key", message: string): ConfigProblem {
  let position: Position | undefined;
  if (which === "parent-key") {
    // A missing key is reported where its parent is declared.
    for (let depth = path.length - 1; depth >= 0 && !position; depth--) {
      const parent = placement.locations.get(pathKey(path.slice(0, depth)));
      position = parent?.key ?? parent?.value;
    }
  } else {
    const location = placement.locations.get(pathKey(path));
    position = which === "key" ? (location?.key ?? location?.value) : location?.value;
  }
  position ??= { line: 1, column: 1 };
  return { reason: CONFIG_INVALID, path: formatPath(path), line: position.line, column: position.column, message };
}

/** Turns schema issues into located problems, leaving out those under forbidden content. */
export function schemaProblems(issues: readonly Issue[], input: unknown, placement: ProblemPlacement): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const isSuppressed = (path: PathSegment[]) => placement.forbiddenPaths.some((forbidden) => isAtOrBelow(path, forbidden));
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      const allowed = KEYS_BY_PARENT.find((entry) => entry.matches(path))?.keys ?? [];
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        if (isSuppressed(keyPath)) continue;
        const hint = allowed.length ? `${didYouMean(key, allowed)}; allowed keys: ${allowed.join(", ")}` : "";
        problems.push(problemAt(placement, keyPath, "key", `unknown key "${key}"${hint}`));
      }
      continue;
    }
    if (isSuppressed(path)) continue;
    const value = valueAt(input, path);
    if (issue.code === "invalid_type" && value === undefined) {
      problems.push(problemAt(placement, path, "parent-key", "required key is missing"));
    } else if (issue.code === "invalid_type") {
      problems.push(problemAt(placement, path, "value", `must be ${EXPECTED[issue.expected] ?? issue.expected}, not ${describeType(value)}`));
    } else if (issue.code === "invalid_key") {
      const message = issue.issues[0]?.message ?? issue.message;
      problems.push(problemAt(placement, path, "key", message));
    } else if (issue.code === "invalid_value" && typeof value === "string") {
      const options = ENUM_OPTIONS[String(path[path.length - 1])] ?? [];
      problems.push(problemAt(placement, path, "value", `${issue.message}${didYouMean(value, options)}`));
    } else {
      problems.push(problemAt(placement, path, "value", issue.message));
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Each declared kind is one the server's loaded providers declare (`known`, from
 * ListProviders), reported at the kind's value with the closest known kind.
 */
export function unknownKindProblems(input: unknown, placement: ProblemPlacement, known: readonly string[]): ConfigProblem[] {
  const dependencies = isRecord(input) ? input.dependencies : undefined;
  if (!isRecord(dependencies)) return [];
  const problems: ConfigProblem[] = [];
  const kinds = [...new Set(known)];
  for (const [name, dependency] of Object.entries(dependencies)) {
    const kind = isRecord(dependency) ? dependency.kind : undefined;
    if (typeof kind !== "string" || !DEPENDENCY_KIND.test(kind) || kinds.includes(kind)) continue;
    const path: PathSegment[] = ["dependencies", name, "kind"];
    if (placement.forbiddenPaths.some((forbidden) => isAtOrBelow(path, forbidden))) continue;
    problems.push(
      problemAt(placement, path, "value", `no provider the server loads declares kind ${kind}; must be one of ${kinds.join(", ") || "(none)"}${didYouMean(kind, kinds)}`),
    );
  }
  return problems;
}

/**
 * Rules that span keys. Checked on the raw data whatever the schema found,
 * so one run reports every problem.
 */
export function crossFieldProblems(input: unknown, placement: ProblemPlacement): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const dependencies = isRecord(input) ? input.dependencies : undefined;
  if (!isRecord(dependencies)) return problems;
  const boundBy = new Map<string, string>();
  for (const [name, dependency] of Object.entries(dependencies)) {
    if (!isRecord(dependency)) continue;
    const base: PathSegment[] = ["dependencies", name];
    const source = dependency.source ?? "managed";
    const isForbidden = (...keys: string[]) => placement.forbiddenPaths.some((forbidden) => isAtOrBelow([...base, ...keys], forbidden));
    if (source === "existing" && dependency.name === undefined && !isForbidden("name")) {
      const at = placement.locations.has(pathKey([...base, "source"])) ? ([...base, "source"] as PathSegment[]) : base;
      const problem = problemAt(placement, at, "value", "required with source: existing: the name of the dependency to bind");
      problems.push({ ...problem, path: formatPath([...base, "name"]) });
    }
    if (source === "managed" && dependency.name !== undefined && !isForbidden("name")) {
      problems.push(problemAt(placement, [...base, "name"], "key", `only allowed with source: existing; a managed dependency is named by its key ("${name}")`));
    }
    if (source === "existing" && dependency.seedFrom !== undefined && !isForbidden("seedFrom")) {
      problems.push(problemAt(placement, [...base, "seedFrom"], "key", "only allowed with source: managed; an existing dependency already holds its data"));
    }
    if (source === "existing" && dependency.backup !== undefined && !isForbidden("backup")) {
      problems.push(
        problemAt(placement, [...base, "backup"], "key", "only allowed with source: managed; an existing dependency's backups are configured where it is managed"),
      );
    }
    const env = isRecord(dependency.bind) ? dependency.bind.env : undefined;
    if (typeof env === "string" && ENV_VAR_NAME.test(env) && !isForbidden("bind", "env")) {
      const first = boundBy.get(env);
      if (first === undefined) boundBy.set(env, name);
      else problems.push(problemAt(placement, [...base, "bind", "env"], "value", `${env} is already bound by dependency "${first}"; each environment variable can be bound once`));
    }
  }
  return problems;
}
