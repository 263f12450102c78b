import type { DependencyRecord } from "../store/records.js";
import type { DependencyContext } from "./context.js";

/** Metadata keys that name an object on the target, in the words an operator uses. */
const NAMED_OBJECTS: ReadonlyArray<[key: string, word: string]> = [
  ["database", "database"],
  ["user", "user"],
  ["bucket", "bucket"],
  ["index", "index prefix"],
  ["keyPrefix", "key prefix"],
];

/**
 * What a managed dependency forgotten without release may have left on its
 * target, named so an operator can remove it by hand. The provider says when it
 * can (it knows its naming); otherwise the safe metadata names it; otherwise —
 * realization never finished — the honest answer is the id the names derive from.
 */
export function leftBehindBy(ctx: DependencyContext, dependency: DependencyRecord): string[] {
  const where = ` on target ${dependency.realizationTarget || "(unknown)"}`;
  const provider = safeManagedProvider(ctx, dependency.kind);
  const named = provider?.describeLeftovers?.({
    dependencyId: dependency.id,
    kind: dependency.kind,
    targetName: dependency.realizationTarget,
    metadata: dependency.metadata,
  });
  if (named && named.length > 0) return named.map((item) => `${item}${where}`);
  const fromMetadata = NAMED_OBJECTS.filter(([key]) => dependency.metadata[key]).map(([key, word]) => `${word} ${dependency.metadata[key]}${where}`);
  if (fromMetadata.length > 0) return fromMetadata;
  return [`whatever the ${dependency.kind} provider created for ${dependency.id} (its objects are named after that id)${where}`];
}

function safeManagedProvider(ctx: DependencyContext, kind: string) {
  try {
    return ctx.providers.managedFor(kind);
  } catch {
    return undefined;
  }
}
