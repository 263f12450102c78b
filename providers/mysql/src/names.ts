import { dependencyObjectName } from "@berth/provider-sdk";

/**
 * Database and user name for a dependency. The user name is the binding limit:
 * MySQL 8 allows 32 characters (MySQL 5.7: 32, MariaDB 10.x: 80), database names
 * 64. Berth ids are `dep_` + 16 characters, so `berth_dep_…` is 26 characters and
 * keeps the `berth_` prefix the other providers use, which tells an operator
 * looking at a shared server what Berth owns. An id too long for 32 characters
 * fails with invalid_input instead of being truncated into a possible collision.
 */
export function objectNameFor(dependencyId: string): string {
  return dependencyObjectName(dependencyId, { maxLength: 32 });
}
