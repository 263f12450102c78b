/**
 * Messaging as Berth services see it: publish a message once (deduplicated by
 * msgId) and consume work-queue jobs. Served by JetStream in production and in
 * tests, and in-process by `berth dev` when no NATS URL is configured.
 */
export interface Messaging {
  /** "jetstream" or "in-process", for logs and health. */
  readonly kind: string;
  /**
   * Publishes to `<prefix>.<subject>`. Subjects under "events." are events,
   * under "jobs.<queue>" jobs. Same msgId within the dedupe window → delivered once.
   */
  publish(subject: string, payload: Uint8Array, msgId: string): Promise<void>;
  /** Starts a durable consumer for one job queue, shared by every replica. */
  consumeJobs(queue: string, handler: JobHandler, options?: JobConsumerOptions): Promise<JobConsumer>;
  close(): Promise<void>;
}

export interface JobDelivery {
  payload: Uint8Array;
  /** 1 on first delivery. */
  attempt: number;
  /** True on the last delivery JetStream will make; a handler should record a final failure. */
  isLastAttempt: boolean;
  /** Aborted when the consumer stops (shutdown); the job is then released for redelivery. */
  signal: AbortSignal;
}

/** Resolve → ack. Throw → retried with backoff until maxDeliver, then dropped. */
export type JobHandler = (job: JobDelivery) => Promise<void>;

export interface JobConsumerOptions {
  /** Jobs processed at once by this replica. Default 4. */
  concurrency?: number;
  /** Deliveries before a job is given up. Default 5. */
  maxDeliver?: number;
  /** A job not acked (and not heart-beating) for this long is redelivered. Default 30 s. */
  ackWaitMs?: number;
}

export interface JobConsumer {
  /** Stops pulling, waits for in-flight jobs up to graceMs, then aborts them (they are redelivered). */
  stop(graceMs?: number): Promise<void>;
}

export const JOB_DEFAULTS = { concurrency: 4, maxDeliver: 5, ackWaitMs: 30_000 } as const;

/** Backoff before redelivering a failed job: 1 s, 2 s, 4 s … up to 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
