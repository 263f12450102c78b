/** Rows of berth_deployment, as domain code sees them. */
export interface ResourceRecord {
  id: string;
  seq: string;
  projectId: string;
  environmentId: string;
  name: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  healthUrl: string;
  provenance: Record<string, string | number>;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RuntimeTargetRecord {
  id: string;
  seq: string;
  name: string;
  kind: string;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeploymentState = "pending" | "starting" | "running" | "failed" | "stopped";
export const LIVE_DEPLOYMENT_STATES: DeploymentState[] = ["pending", "starting", "running"];

/** One binding as a deployment captured it. Frozen at create time, never rewritten. */
export interface SnapshotEntry {
  bindingId: string;
  dependencyId: string;
  targetEnvVar: string;
  secretRef: string;
}

export type BlockedReason =
  | "dependency_not_ready"
  | "missing_secret_reference"
  | "unresolved_secret"
  | "unsupported_dependency_kind"
  | "unsupported_scope"
  | "unsupported_injection_mode"
  | "duplicate_target_name"
  | "conflicts_with_resource_env"
  | "runtime_target_cannot_deliver_secrets";

export interface BindingReadiness extends SnapshotEntry {
  ready: boolean;
  blockedReason?: BlockedReason;
  description: string;
}

export interface Readiness {
  state: "ready" | "blocked" | "not-applicable";
  bindings: BindingReadiness[];
}

export interface DeploymentRecord {
  id: string;
  seq: string;
  projectId: string;
  environmentId: string;
  resourceId: string;
  runtimeTargetId: string;
  status: DeploymentState;
  statusReason: string;
  snapshot: SnapshotEntry[];
  injection: Readiness;
  provenance: Record<string, string | number>;
  /** Digest of the create's parameters (null for records made before fingerprints were stored). */
  requestFingerprint: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
}

export type DeploymentEventType = "created" | "started" | "failed" | "stopped";

export interface DeploymentEventRecord {
  id: string;
  seq: string;
  deploymentId: string;
  resourceId: string;
  type: DeploymentEventType;
  message: string;
  createdAt: Date;
}
