import type { WorkloadUser } from "../runtime/runtime-target.js";
import type { Binding, DataReadiness, Dependency } from "@berth/client";
import type { Knex, Logger, OutboxRelay } from "@berth/runtime";
import type { OutputCapture } from "../runtime/output-capture.js";
import type { Workload } from "../runtime/runtime-target.js";

/** What the deployment service needs from the other services, through their RPCs. */
export interface Peers {
  /** Active bindings of a resource, in one call. */
  activeBindings(resourceId: string): Promise<Binding[]>;
  /** Dependencies by id, in one call. */
  dependencies(ids: string[]): Promise<Map<string, Dependency>>;
  /** The references the secret store can resolve (no values), in one call. */
  resolvableRefs(secretRefs: string[]): Promise<Set<string>>;
  /** Dependency kinds whose connections a runtime target may inject: the loaded provider manifests', in one call. */
  injectableKinds(): Promise<Set<string>>;
  /** Secret values for delivery, in one call. Only ever used at workload start. */
  resolveSecrets(secretRefs: string[], purpose: string): Promise<Map<string, string>>;
  /** A dependency's data-readiness gate (backup service); absent when no backup service is configured. */
  dataReadiness?(dependencyId: string): Promise<DataReadiness>;
}

export interface DeploymentContext {
  db: Knex;
  peers: Peers;
  relay: OutboxRelay;
  log: Logger;
  /** Workloads this replica started (local processes live on this host). */
  workloads: Map<string, Workload>;
  /** Output of the workloads this replica is starting or running, with the timer that saves it. */
  outputs: Map<string, { capture: OutputCapture; saver: NodeJS.Timeout; saved: number }>;
  /** The tail of each resource-on-target's chain of starts: one start at a time, in order. */
  startQueues: Map<string, Promise<void>>;
  /** The account local-process workloads run as (operator config `localProcessUser`); unset: Berth's own. */
  workloadUser?: WorkloadUser;
}
