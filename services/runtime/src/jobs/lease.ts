import type { Logger } from "../logger.js";

/** What one heartbeat found in Postgres. */
export interface HeartbeatAnswer {
  /** False when this worker no longer owns the job (the reconciler or a cancel ended it). */
  held: boolean;
  /** True once someone asked to cancel the job. */
  cancelRequested: boolean;
}

/** Why a held lease aborted its job, if it did. */
export type LeaseEnd = "cancelled" | "lost" | "shutdown";

export interface HeldLease {
  /** Aborted on cancel, on a lost lease and when the consumer shuts down. */
  signal: AbortSignal;
  /** Why `signal` aborted; undefined while the job may go on. */
  ended(): LeaseEnd | undefined;
  /** Stops heart-beating (call when the job settles). */
  release(): void;
}

export interface HoldLeaseOptions {
  /** Refreshes the heartbeat of this worker's lease; one UPDATE … RETURNING in the service's store. */
  heartbeat: () => Promise<HeartbeatAnswer>;
  /** Milliseconds between heartbeats (well under the lease TTL). */
  intervalMs: number;
  /** The delivery's signal (consumer shutdown). */
  parent: AbortSignal;
  log: Logger;
}

/**
 * Keeps a claimed job's lease alive while it runs: every `intervalMs` the
 * heartbeat refreshes `lease_heartbeat_at` and reports a cancel request, so the
 * worker that owns a job notices a cancel made through any replica. A failed
 * heartbeat is only logged: the lease lapses on its own if Postgres stays away.
 *
 * @example
 * const lease = holdLease({ heartbeat: () => store.heartbeat(db, id, owner), intervalMs: 2000, parent: job.signal, log });
 * try { await work(lease.signal); } finally { lease.release(); }
 */
export function holdLease(options: HoldLeaseOptions): HeldLease {
  const controller = new AbortController();
  let end: LeaseEnd | undefined;
  const stop = (why: LeaseEnd) => {
    if (end) return;
    end = why;
    controller.abort(new Error(why === "cancelled" ? "the job was cancelled" : why === "lost" ? "the job's lease was lost" : "the worker is shutting down"));
  };
  const onParentAbort = () => stop("shutdown");
  if (options.parent.aborted) onParentAbort();
  else options.parent.addEventListener("abort", onParentAbort, { once: true });
  let beating = false;
  const timer = setInterval(() => {
    if (beating || end) return;
    beating = true;
    options
      .heartbeat()
      .then((answer) => {
        if (!answer.held) stop("lost");
        else if (answer.cancelRequested) stop("cancelled");
      })
      .catch((error: unknown) => options.log.warn({ error: error instanceof Error ? error.name : "error" }, "job heartbeat failed"))
      .finally(() => (beating = false));
  }, options.intervalMs);
  timer.unref();
  return {
    signal: controller.signal,
    ended: () => end,
    release() {
      clearInterval(timer);
      options.parent.removeEventListener("abort", onParentAbort);
    },
  };
}
