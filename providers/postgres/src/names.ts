import { ProviderError } from "@berth/provider-sdk";

/**
 * Database and role name for a dependency: derived from its id alone, so
 * realize and release are idempotent and never collide with user objects.
 */
export function objectNameFor(dependencyId: string): string {
  const name = `berth_${dependencyId.toLowerCase()}`;
  if (!/^berth_[a-z]+_[a-z0-9]+$/.test(name) || name.length > 63) {
    throw new ProviderError("invalid_input", `dependency id ${dependencyId} cannot name a postgres database`);
  }
  return name;
}
