import { forbiddenValueRule } from "./forbidden-values.js";

export type PathSegment = string | number;

/** Stands in for a key that itself looks like a secret, so paths never echo one. */
export const REDACTED_KEY = "<redacted key>";

/** ["dependencies", "db", "bind", "env"] → "dependencies.db.bind.env"; [“run”, 0] → "run[0]". */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (forbiddenValueRule(segment)) out += `${out ? "." : ""}${REDACTED_KEY}`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(segment)) out += `${out ? "." : ""}${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A map key for a path. */
export function pathKey(path: readonly PathSegment[]): string {
  return JSON.stringify(path);
}

/** True when `path` is `ancestor` or lies below it. */
export function isAtOrBelow(path: readonly PathSegment[], ancestor: readonly PathSegment[]): boolean {
  return ancestor.length <= path.length && ancestor.every((segment, i) => path[i] === segment);
}
