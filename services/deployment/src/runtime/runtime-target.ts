import type { OutputCapture } from "./output-capture.js";

/**
 * A kind of place a resource runs. Adding Docker, SSH or Kubernetes is one new
 * module implementing this interface and one line in `RUNTIME_DRIVERS`.
 */
export interface RuntimeDriver {
  kind: string;
  /**
   * Whether it can put dependency secrets into a workload's environment. One
   * that can injects the connection URL of every kind the loaded providers
   * declare injectable (their manifests, asked of the dependency service).
   */
  canDeliverDependencySecrets: boolean;
  /** Env var names it will not let a binding set (they would break the runtime). */
  reservedEnvVars: ReadonlySet<string>;
  /**
   * Starts the workload; resolves once it started: its process is alive and,
   * when a health URL is set, the URL answered 2xx in a way that proves this
   * workload answered (not something that held the URL before it started).
   * Rejects with a safe message (exit code, last masked output line) otherwise.
   */
  start(spec: WorkloadSpec, events: WorkloadEvents): Promise<Workload>;
}

export interface WorkloadSpec {
  deploymentId: string;
  command: string;
  cwd: string;
  /** Plain env of the resource plus the delivered dependency secrets. */
  env: Record<string, string>;
  healthUrl: string;
  /** Values to scrub from captured output (the delivered secrets). */
  secrets: string[];
  /** Where the workload's output goes (masked as it is captured). */
  output: OutputCapture;
  /** The unprivileged account local processes run as (operator config); unset: Berth's own user. */
  runAs?: WorkloadUser;
}

/** An operating-system account a workload runs as. */
export interface WorkloadUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface WorkloadEvents {
  /** The workload ended on its own after it started. `reason` is safe to show (exit code or signal). */
  onExit(outcome: { failed: boolean; reason: string }): void;
}

export interface Workload {
  /** Process group id on this host, when the workload is a local process (for recovery after a crash). */
  processGroup?: number;
  /** Stops it; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}
