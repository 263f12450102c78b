import { dependencyObjectName } from "@berth/provider-sdk";

/** Database and role name for a dependency (Postgres identifiers: at most 63 bytes). */
export function objectNameFor(dependencyId: string): string {
  return dependencyObjectName(dependencyId, { maxLength: 63 });
}
