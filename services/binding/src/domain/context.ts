import type { Dependency } from "@berth/client";
import type { Knex, Logger, OutboxRelay } from "@berth/runtime";

/** How the binding service sees dependencies: only through the dependency service's RPCs. */
export interface DependencyLookup {
  /** The dependency, or undefined when it does not exist. */
  get(id: string): Promise<Dependency | undefined>;
}

export interface BindingContext {
  db: Knex;
  dependencies: DependencyLookup;
  relay: OutboxRelay;
  log: Logger;
}
