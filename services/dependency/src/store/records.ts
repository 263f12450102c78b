/** The states a dependency moves through (DESIGN §1). */
export type DependencyState = "provisioning" | "ready" | "failed" | "deleting" | "deleted";
export type DependencySourceName = "managed" | "imported";
/** How much a dependency's data matters (DESIGN §1 "data class"); "unclassified" until someone says. */
export type StoredDataClass = "unclassified" | "disposable" | "reproducible" | "production-critical";
/** What the last probe proved: nothing yet, a working login, or which part failed. */
export type ConnectionVerificationState = "unverified" | "verified" | "failed";

/** One row of berth_dependency.dependencies, as domain code sees it. */
export interface DependencyRecord {
  id: string;
  /** Insertion order (pagination cursor). */
  seq: string;
  projectId: string;
  environmentId: string;
  name: string;
  kind: string;
  source: DependencySourceName;
  status: DependencyState;
  statusReason: string;
  progressMessage: string;
  metadata: Record<string, string>;
  secretVersion: number | null;
  maskedUrl: string;
  provenance: Record<string, string | number>;
  realizationTarget: string;
  deletionProtection: boolean;
  dataClass: StoredDataClass;
  connectionVerification: ConnectionVerificationState;
  /** "<reason>: <safe message>" of the last failed probe; "" otherwise. */
  connectionVerificationReason: string;
  connectionCheckedAt: Date | null;
  requestId: string | null;
  requestFingerprint: string;
  realizeAttempts: number;
  /** Instance id of the worker realizing it (null when no worker holds it). */
  leaseOwner: string | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const SETTLED_STATES: ReadonlySet<DependencyState> = new Set(["ready", "failed", "deleted"]);
