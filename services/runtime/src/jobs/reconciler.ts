import type { Knex } from "knex";
import { newId } from "../ids.js";
import type { JobConsumerOptions } from "../messaging/types.js";
import type { Logger } from "../logger.js";

/** What the reconciler needs to know of any leased job row. */
export interface LeasedJob {
  id: string;
  /** Times a worker claimed it (each claim starts a lease). */
  attempts: number;
}

/**
 * One kind of leased job (realization, backup, restore) as its own service
 * exposes it: plain callbacks over that service's tables, so the reconciler
 * never reads another service's schema. Every write is conditional on the row
 * still being in the state it was listed in, so replicas may race safely.
 */
export interface LeasedJobKind<J extends LeasedJob = LeasedJob> {
  /** "backup", "restore", "realization": for logs and operation ids. */
  name: string;
  /** Running jobs whose owner has not heart-beaten for `ttlMs` (judged by Postgres' clock). */
  listExpired(ttlMs: number): Promise<J[]>;
  /** Jobs waiting for a worker, unowned and untouched for `graceMs`: their queue message may be lost. */
  listWaiting(graceMs: number): Promise<J[]>;
  /** Puts the job back to waiting (if still as listed) and records its job message again under `operationId`. */
  requeue(job: J, operationId: string): Promise<boolean>;
  /** Ends the job failed with a safe reason (if still as listed). */
  fail(job: J, reason: string): Promise<boolean>;
  /** Why a job whose owner died must not run again (an in-place restore), or undefined when re-running is safe. */
  deadOwnerFailure?(job: J): string | undefined;
  /** Removes what a dead owner left behind (partial artifacts) before the job runs again or fails. */
  cleanup?(job: J): Promise<void>;
}

export interface JobReconcilerConfig {
  /** Identifies this process (its leases); part of re-queue operation ids. */
  instanceId: string;
  /** Milliseconds between passes. */
  intervalMs: number;
  /** A lease not refreshed for this long belongs to a dead owner. */
  leaseTtlMs: number;
  /** An unowned waiting job untouched this long is queued again. */
  waitingGraceMs: number;
  /** Claims (attempts) after which a job whose owner died is failed instead of re-queued. */
  maxAttempts: number;
  /** Delay of the first pass after start (lets the process finish starting). Default 1 s. */
  firstPassDelayMs?: number;
}

export interface JobReconciler {
  /** One pass now (tests; also what the timer runs). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Defaults: a dead owner is noticed 10–15 s after its last heartbeat. */
export const LEASE_DEFAULTS = { heartbeatMs: 2000, leaseTtlMs: 10_000, intervalMs: 5000, waitingGraceMs: 10_000, maxAttempts: 5 } as const;

/** Everything a service needs to run leased jobs: its reconciler's config plus the heartbeat period. */
export interface JobLeaseSettings extends JobReconcilerConfig {
  /** Milliseconds between a running job's heartbeats (well under leaseTtlMs). */
  heartbeatMs: number;
}

/** What the host sets for a service that runs leased jobs. */
export interface LeasedJobOptions {
  /** How this replica takes jobs off its queues (concurrency, deliveries, ack window). */
  jobs?: JobConsumerOptions;
  /** This process's id as a job lease owner (default: a new one); the host passes one per process. */
  instanceId?: string;
  /** Job leases and their reconciler: heartbeat, lease TTL, pass interval, attempts (defaults LEASE_DEFAULTS). */
  reconciler?: Partial<Omit<JobLeaseSettings, "instanceId">>;
}

/** Lease settings from operator overrides (undefined keys keep the defaults); without an instance id, a new one. */
export function leaseSettings(instanceId: string | undefined, overrides: Partial<Omit<JobLeaseSettings, "instanceId">> = {}): JobLeaseSettings {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...LEASE_DEFAULTS, ...defined, instanceId: instanceId ?? newId("ins") };
}

/**
 * The one reconciler of leased jobs, used by the dependency and backup services
 * in both messaging modes. Each pass (one replica at a time, under a Postgres
 * advisory lock named after `name`): jobs whose owner's lease expired are
 * cleaned up and re-queued — or failed with a safe reason when they used up
 * their attempts or must not run twice — and waiting jobs whose message may
 * have been lost (in-process messaging dies with its process) are queued again.
 * `sweeps` run after the kinds (e.g. finishing an interrupted delete).
 */
export function startJobReconciler(options: {
  name: string;
  db: Knex;
  kinds: LeasedJobKind[];
  sweeps?: Array<() => Promise<void>>;
  config: JobReconcilerConfig;
  log: Logger;
  /** Called after a pass that changed something (kick the outbox relay). */
  afterChange?: () => void;
}): JobReconciler {
  const { config, log } = options;
  let pass: Promise<void> | undefined;
  let stopped = false;

  async function reconcileKind(kind: LeasedJobKind): Promise<number> {
    let changed = 0;
    for (const job of await kind.listExpired(config.leaseTtlMs)) {
      await kind.cleanup?.(job);
      const mustNotRerun = kind.deadOwnerFailure?.(job);
      const reason =
        mustNotRerun ??
        (job.attempts >= config.maxAttempts ? `its worker stopped ${job.attempts} times (the server exited or crashed mid-job); run it again when the server is stable` : undefined);
      if (reason) {
        if (await kind.fail(job, reason)) {
          changed += 1;
          log.warn({ job: kind.name, id: job.id, reason }, "failed a job whose worker died");
        }
      } else if (await kind.requeue(job, `${kind.name}:${job.id}:requeue:${job.attempts}:${config.instanceId}`)) {
        changed += 1;
        log.info({ job: kind.name, id: job.id, attempts: job.attempts }, "re-queued a job whose worker died");
      }
    }
    for (const job of await kind.listWaiting(config.waitingGraceMs)) {
      if (await kind.requeue(job, `${kind.name}:${job.id}:requeue:${job.attempts}:${config.instanceId}`)) {
        changed += 1;
        log.info({ job: kind.name, id: job.id }, "re-queued a waiting job");
      }
    }
    return changed;
  }

  async function locked(): Promise<void> {
    const lockName = `berth-jobs-reconciler:${options.name}`;
    const connection = await options.db.client.acquireConnection();
    try {
      const { rows } = await connection.query("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [lockName]);
      if (!rows[0].locked) return;
      try {
        let changed = 0;
        for (const kind of options.kinds) {
          changed += await reconcileKind(kind).catch((error: unknown) => {
            log.warn({ job: kind.name, error: error instanceof Error ? error.message : "error" }, "job reconciler pass failed");
            return 0;
          });
        }
        for (const sweep of options.sweeps ?? []) await sweep();
        if (changed > 0) options.afterChange?.();
      } finally {
        await connection.query("SELECT pg_advisory_unlock(hashtext($1))", [lockName]);
      }
    } finally {
      await options.db.client.releaseConnection(connection);
    }
  }

  const runOnce = () => {
    pass ??= locked()
      .catch((error: unknown) => log.warn({ error: error instanceof Error ? error.name : "error" }, "job reconciler pass failed"))
      .finally(() => (pass = undefined));
    return pass;
  };
  const first = setTimeout(() => void runOnce(), config.firstPassDelayMs ?? 1000);
  const timer = setInterval(() => {
    if (!stopped) void runOnce();
  }, config.intervalMs);
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await pass;
    },
  };
}
