import { isAlias, isMap, isScalar, isSeq, Parser, type Document, type LineCounter } from "yaml";
import { forbiddenKeyRule } from "./forbidden-keys.js";
import { forbiddenValueRule } from "./forbidden-values.js";
import { formatPath, pathKey, type PathSegment } from "./paths.js";
import { CONFIG_INVALID, CONFIG_SECRET_VALUE_FORBIDDEN, type ConfigProblem } from "./problems.js";

export interface Position {
  line: number;
  column: number;
}

/** Where a key and its value sit in the file. */
export interface NodeLocation {
  key?: Position;
  value: Position;
  /** Source offsets [start, end) of the key and value, for syntax errors. */
  ranges: Array<[number, number]>;
}

/** The plain value of a document, with forbidden keys left out, and where each path sits. */
export interface YamlTree {
  value: unknown;
  locations: Map<string, NodeLocation>;
  /** Forbidden content and structural problems (non-scalar keys, alias misuse). */
  problems: ConfigProblem[];
  /** Paths already reported (or dropped) as forbidden; schema problems at or below them are noise. */
  forbiddenPaths: PathSegment[][];
}

type YamlNode = Parameters<typeof isScalar>[0];

/** Aliases expanded per document; more is a YAML bomb, not a config. */
const MAX_ALIAS_EXPANSIONS = 100;

export function positionOf(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

/** Walks the composed document: converts it to plain data and applies the forbidden-key and -value rules. */
export function readYamlTree(doc: Document.Parsed, lineCounter: LineCounter): YamlTree {
  const tree: YamlTree = { value: undefined, locations: new Map(), problems: [], forbiddenPaths: [] };
  const expanding = new Set<unknown>();
  let aliasExpansions = 0;

  const startOf = (node: YamlNode): number | undefined => (node && typeof node === "object" && "range" in node && node.range ? node.range[0] : undefined);
  const rangeOf = (node: YamlNode): [number, number] | undefined =>
    node && typeof node === "object" && "range" in node && node.range ? [node.range[0], node.range[2]] : undefined;
  const at = (node: YamlNode, fallback: Position): Position => {
    const start = startOf(node);
    return start === undefined ? fallback : positionOf(lineCounter, start);
  };
  const report = (reason: ConfigProblem["reason"], path: PathSegment[], position: Position, message: string): void => {
    tree.problems.push({ reason, path: formatPath(path), line: position.line, column: position.column, message });
  };

  // Inside an alias the nodes were already checked where the anchor defines them:
  // rules still drop forbidden keys there, but report nothing twice.
  const convert = (node: YamlNode, path: PathSegment[], here: Position, isExpansion: boolean): unknown => {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      if (++aliasExpansions > MAX_ALIAS_EXPANSIONS) {
        if (aliasExpansions === MAX_ALIAS_EXPANSIONS + 1) report(CONFIG_INVALID, path, here, `more than ${MAX_ALIAS_EXPANSIONS} alias expansions; simplify the file`);
        return undefined;
      }
      const target = node.resolve(doc);
      if (!target) return null; // the composer reported the unresolved alias
      if (expanding.has(target)) {
        report(CONFIG_INVALID, path, here, "alias refers to a node that contains it");
        return undefined;
      }
      expanding.add(target);
      const value = convert(target, path, here, true);
      expanding.delete(target);
      return value;
    }
    if (isScalar(node)) {
      if (typeof node.value === "string" && !isExpansion) {
        const rule = forbiddenValueRule(node.value);
        if (rule) {
          report(CONFIG_SECRET_VALUE_FORBIDDEN, path, here, `value looks like ${rule.looksLike}; berth.yaml may not hold it: ${rule.instead}`);
          tree.forbiddenPaths.push(path);
        }
      }
      return node.value;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) => {
        const itemPath = [...path, index];
        const position = at(item as YamlNode, here);
        tree.locations.set(pathKey(itemPath), { value: position, ranges: [rangeOf(item as YamlNode)].filter(isRange) });
        return convert(item as YamlNode, itemPath, position, isExpansion);
      });
    }
    if (isMap(node)) {
      const object: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode;
        const valueNode = pair.value as YamlNode;
        const keyPosition = at(keyNode, at(valueNode, here));
        const key = isScalar(keyNode) && ["string", "number", "boolean"].includes(typeof keyNode.value) ? String(keyNode.value) : undefined;
        if (key === undefined) {
          if (!isExpansion) report(CONFIG_INVALID, path, keyPosition, keyNode ? "keys must be plain names, not lists or mappings" : "a key is missing before ':'");
          continue;
        }
        const keyPath = [...path, key];
        const valuePosition = valueNode && startOf(valueNode) !== undefined ? at(valueNode, keyPosition) : keyPosition;
        tree.locations.set(pathKey(keyPath), { key: keyPosition, value: valuePosition, ranges: [rangeOf(keyNode), rangeOf(valueNode)].filter(isRange) });

        // A dependency's own name is the user's word, not a statement of what the value holds.
        const isDependencyName = path.length === 1 && path[0] === "dependencies" && isMap(isAlias(valueNode) ? valueNode.resolve(doc) : valueNode);
        const keyRule = isDependencyName ? undefined : forbiddenKeyRule(key, path);
        const shapeRule = keyRule ? undefined : forbiddenValueRule(key);
        if (keyRule || shapeRule) {
          tree.forbiddenPaths.push(keyPath);
          if (!isExpansion) {
            const message = keyRule
              ? `key is forbidden: berth.yaml may not hold ${keyRule.holds}; ${keyRule.instead}. Remove the key`
              : `key looks like ${shapeRule!.looksLike}; berth.yaml may not hold it: ${shapeRule!.instead}`;
            report(CONFIG_SECRET_VALUE_FORBIDDEN, keyPath, keyPosition, message);
          }
          continue;
        }
        Object.defineProperty(object, key, { value: convert(valueNode, keyPath, valuePosition, isExpansion), enumerable: true, writable: true, configurable: true });
      }
      return object;
    }
    return undefined;
  };

  const root = doc.contents as YamlNode;
  const rootPosition = at(root, { line: 1, column: 1 });
  tree.locations.set(pathKey([]), { value: rootPosition, ranges: [] });
  tree.value = root ? convert(root, [], rootPosition, false) : undefined;
  return tree;
}

function isRange(range: [number, number] | undefined): range is [number, number] {
  return range !== undefined;
}

/** Comments are not config, but a token pasted into one is still committed to the repository. */
export function commentProblems(text: string, lineCounter: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (token: unknown): void => {
    if (Array.isArray(token)) return token.forEach(visit);
    if (!token || typeof token !== "object") return;
    const { type, source, offset } = token as { type?: unknown; source?: unknown; offset?: unknown };
    if (type === "comment" && typeof source === "string" && typeof offset === "number") {
      const rule = forbiddenValueRule(source, "comment");
      if (rule) {
        const { line, column } = positionOf(lineCounter, offset);
        problems.push({ reason: CONFIG_SECRET_VALUE_FORBIDDEN, path: "", line, column, message: `comment looks like it holds ${rule.looksLike}; ${rule.instead}` });
      }
      return;
    }
    for (const child of Object.values(token)) if (child && typeof child === "object") visit(child);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return problems;
}
