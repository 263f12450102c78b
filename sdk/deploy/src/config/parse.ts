import { LineCounter, parseDocument, type YAMLError } from "yaml";
import { forbiddenValueRule } from "./forbidden-values.js";
import { formatPath, type PathSegment } from "./paths.js";
import { BerthConfigError, CONFIG_INVALID, type ConfigProblem } from "./problems.js";
import { berthConfigSchema, type BerthConfigParsed } from "./schema.js";
import { crossFieldProblems, schemaProblems, unknownKindProblems } from "./schema-problems.js";
import type { BerthConfig, DependencyDeclaration, RunDeclaration } from "./types.js";
import { commentProblems, positionOf, readYamlTree, type YamlTree } from "./yaml-tree.js";

export interface ParseBerthConfigOptions {
  /** Name used in error messages. Default: "berth.yaml". */
  file?: string;
  /**
   * The dependency kinds the server's loaded providers declare (ListProviders);
   * a declared kind outside them is a problem at its line. Without it any
   * kind-shaped name is accepted (the server is not asked).
   */
  kinds?: readonly string[];
}

/** A berth.yaml is a few dozen lines; anything near this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Parses and validates the text of a berth.yaml (format v1) and applies defaults.
 * Pure: no file system, no network. Relative `run.cwd` is returned as written.
 *
 * @throws BerthConfigError listing every problem found, each with its key path,
 *   line and column; forbidden content has reason `config_secret_value_forbidden`.
 * @example
 * const config = parseBerthConfig("resource: web\ndependencies:\n  db:\n    kind: postgres\n    bind: { env: DATABASE_URL }\n");
 * config.dependencies.db; // { kind: "postgres", source: "managed", bind: { env: "DATABASE_URL" } }
 */
export function parseBerthConfig(text: string, options: ParseBerthConfigOptions = {}): BerthConfig {
  const file = options.file ?? "berth.yaml";
  if (Buffer.byteLength(text, "utf8") > MAX_CONFIG_BYTES) {
    throw new BerthConfigError(file, [{ reason: CONFIG_INVALID, path: "", line: 1, column: 1, message: `file is larger than ${MAX_CONFIG_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const tree = readYamlTree(doc, lineCounter);
  const problems: ConfigProblem[] = [...doc.errors.map((error) => syntaxProblem(error, tree, lineCounter)), ...tree.problems, ...commentProblems(text, lineCounter)];

  let parsed: BerthConfigParsed | undefined;
  if (doc.errors.length === 0) {
    if (tree.value === undefined || tree.value === null) {
      problems.push({ reason: CONFIG_INVALID, path: "", line: 1, column: 1, message: "the file is empty; it needs at least `resource: <name>`" });
    } else if (typeof tree.value !== "object" || Array.isArray(tree.value)) {
      const { line, column } = tree.locations.get("[]")!.value;
      problems.push({ reason: CONFIG_INVALID, path: "", line, column, message: "the file must be a mapping with the keys resource, run, dependencies and preview" });
    } else {
      const result = berthConfigSchema.safeParse(tree.value);
      if (result.success) parsed = result.data;
      else problems.push(...schemaProblems(result.error.issues, tree.value, tree));
      problems.push(...crossFieldProblems(tree.value, tree));
      if (options.kinds) problems.push(...unknownKindProblems(tree.value, tree, options.kinds));
    }
  }
  if (problems.length > 0 || !parsed) throw new BerthConfigError(file, dedupe(problems));
  return toBerthConfig(parsed);
}

function syntaxProblem(error: YAMLError, tree: YamlTree, lineCounter: LineCounter): ConfigProblem {
  const offset = error.pos[0];
  const { line, column } = positionOf(lineCounter, offset);
  return { reason: CONFIG_INVALID, path: pathAtOffset(tree, offset), line, column, message: `YAML syntax error: ${safeSyntaxMessage(error)}` };
}

/** yaml's messages may quote a little source text; never let that be a secret. */
function safeSyntaxMessage(error: YAMLError): string {
  if (error.code === "MULTIPLE_DOCS") return "the file must hold one YAML document (found a second `---`)";
  if (error.code === "DUPLICATE_KEY") return "this key appears twice in the same mapping";
  const message = error.message.replace(/^(Block scalar header includes extra characters|Invalid escape sequence).*$/s, "$1");
  return forbiddenValueRule(message) ? `invalid YAML (${error.code})` : message;
}

/** The deepest key path whose key or value covers `offset`; "" when none does. */
function pathAtOffset(tree: YamlTree, offset: number): string {
  let best: PathSegment[] | undefined;
  for (const [key, location] of tree.locations) {
    if (!location.ranges.some(([start, end]) => offset >= start && offset < end)) continue;
    const path = JSON.parse(key) as PathSegment[];
    if (!best || path.length > best.length) best = path;
  }
  return best ? formatPath(best) : "";
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.line}\u0000${p.column}\u0000${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

function toBerthConfig(parsed: BerthConfigParsed): BerthConfig {
  const dependencies: Record<string, DependencyDeclaration> = {};
  for (const [name, d] of Object.entries(parsed.dependencies)) {
    dependencies[name] =
      d.source === "existing"
        ? { kind: d.kind, source: "existing", name: d.name!, bind: { env: d.bind.env }, ...(d.dataClass ? { dataClass: d.dataClass } : {}) }
        : {
            kind: d.kind,
            source: "managed",
            bind: { env: d.bind.env },
            ...(d.backup ? { backup: { ...d.backup } } : {}),
            ...(d.dataClass ? { dataClass: d.dataClass } : {}),
            ...(d.seedFrom ? { seedFrom: d.seedFrom } : {}),
          };
  }
  const config: BerthConfig = { resource: parsed.resource, dependencies, preview: { lifecycle: parsed.preview.lifecycle } };
  if (parsed.run) {
    const run: RunDeclaration = { command: parsed.run.command };
    if (parsed.run.cwd !== undefined) run.cwd = parsed.run.cwd;
    if (parsed.run.healthUrl !== undefined) run.healthUrl = parsed.run.healthUrl;
    config.run = run;
  }
  return config;
}
