import type { Dependency } from "@berth/client";
import type { Knex, Logger, OutboxRelay } from "@berth/runtime";

/** How the binding service sees dependencies: only through the dependency service's RPCs. */
export interface DependencyLookup {
  /** The dependency, or undefined when it does not exist. */
  get(id: string): Promise<Dependency | undefined>;
}

/** How the binding service sees resources: only through the deployment service's RPCs. */
export interface ResourceLookup {
  /** Whether the resource exists (a deleted one does not). */
  exists(id: string): Promise<boolean>;
}

export interface BindingContext {
  db: Knex;
  dependencies: DependencyLookup;
  resources: ResourceLookup;
  relay: OutboxRelay;
  log: Logger;
}
