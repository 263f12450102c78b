import { ProviderError } from "./errors.js";

export interface ObjectNameOptions {
  /** Prepended to the id; default "berth_". */
  prefix?: string;
  /** Joins prefix and id parts: "_" for SQL identifiers, "-" for bucket names; default "_". */
  separator?: "_" | "-";
  /** Longest name the engine accepts; default 63 (Postgres, S3 buckets). */
  maxLength?: number;
}

const DEPENDENCY_ID = /^[a-z]{2,8}_[A-Za-z0-9]{4,40}$/;

/**
 * The engine object name (database, user, bucket, key prefix…) for a dependency,
 * derived from its id alone, so realize and release are idempotent and never
 * collide with objects Berth did not create. Lowercase, because several engines
 * fold or forbid capitals. Throws ProviderError("invalid_input") for an id that
 * is not a Berth id.
 *
 * @example
 * dependencyObjectName("dep_7HqK2x")                          // "berth_dep_7hqk2x"
 * dependencyObjectName("dep_7HqK2x", { separator: "-" })      // "berth-dep-7hqk2x"
 */
export function dependencyObjectName(dependencyId: string, options: ObjectNameOptions = {}): string {
  const separator = options.separator ?? "_";
  const prefix = options.prefix ?? `berth${separator}`;
  const maxLength = options.maxLength ?? 63;
  if (typeof dependencyId !== "string" || !DEPENDENCY_ID.test(dependencyId)) {
    throw new ProviderError("invalid_input", `dependency id ${JSON.stringify(String(dependencyId).slice(0, 60))} is not a Berth id (expected e.g. dep_7HqK2x…)`, {
      field: "dependency_id",
    });
  }
  const name = `${prefix}${dependencyId.toLowerCase().replace("_", separator)}`;
  if (name.length > maxLength) {
    throw new ProviderError("invalid_input", `dependency id ${dependencyId} makes a name longer than ${maxLength} characters`, { field: "dependency_id" });
  }
  return name;
}
