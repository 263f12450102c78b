import { EventEmitter } from "node:events";
import type { Logger } from "../logger.js";
import { JOB_DEFAULTS, retryDelayMs, type JobConsumer, type JobConsumerOptions, type JobHandler, type Messaging } from "./types.js";

/**
 * The Messaging interface served inside one process, for `berth dev` without NATS.
 * Not durable across restarts: services re-derive pending jobs from Postgres at
 * start (the reconciler), which is what makes this safe for a single process.
 */
export class InProcessMessaging implements Messaging {
  readonly kind = "in-process";
  /** Every published subject is emitted here (tests and local watchers). */
  readonly events = new EventEmitter();
  private readonly handlers = new Map<string, { handler: JobHandler; options: Required<JobConsumerOptions>; signal: AbortSignal }>();
  private readonly seen = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly log: Logger) {}

  async publish(subject: string, payload: Uint8Array, msgId: string): Promise<void> {
    const now = Date.now();
    if ((this.seen.get(msgId) ?? 0) > now - 10 * 60_000) return;
    this.seen.set(msgId, now);
    this.events.emit("message", subject, payload);
    const queue = subject.startsWith("jobs.") ? subject.slice("jobs.".length) : undefined;
    if (queue) this.deliver(queue, payload, 1);
  }

  private deliver(queue: string, payload: Uint8Array, attempt: number): void {
    const consumer = this.handlers.get(queue);
    if (!consumer) {
      // No consumer yet: keep the job until one registers.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(queue, payload, attempt);
      }, 200);
      this.timers.add(timer);
      return;
    }
    const { handler, options, signal } = consumer;
    handler({ payload, attempt, isLastAttempt: attempt >= options.maxDeliver, signal }).catch(() => {
      if (attempt >= options.maxDeliver || signal.aborted) return;
      this.log.warn({ queue, attempt }, "job failed; will retry");
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.deliver(queue, payload, attempt + 1);
      }, retryDelayMs(attempt));
      this.timers.add(timer);
    });
  }

  async consumeJobs(queue: string, handler: JobHandler, options: JobConsumerOptions = {}): Promise<JobConsumer> {
    const controller = new AbortController();
    this.handlers.set(queue, { handler, options: { ...JOB_DEFAULTS, ...options }, signal: controller.signal });
    return {
      stop: async () => {
        controller.abort();
        this.handlers.delete(queue);
      },
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.handlers.clear();
  }
}
