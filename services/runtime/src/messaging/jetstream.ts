import { connect, nanos, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from "@nats-io/jetstream";
import type { Logger } from "../logger.js";
import { JOB_DEFAULTS, retryDelayMs, type JobConsumer, type JobConsumerOptions, type JobHandler, type Messaging } from "./types.js";

export interface JetStreamOptions {
  url: string;
  /** Subject prefix and stream-name prefix; tests use a unique one per run. Default "berth". */
  prefix: string;
  log: Logger;
}

/** Names of the two streams a prefix uses. */
export function streamNames(prefix: string): { events: string; jobs: string } {
  const base = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return { events: `${base}_EVENTS`, jobs: `${base}_JOBS` };
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (error) {
    if ((error as { name?: string }).name !== "StreamNotFoundError" && !/stream not found/i.test(String(error))) throw error;
    await jsm.streams.add(config);
  }
}

/** Connects to NATS and makes sure the events and jobs streams exist. */
export async function connectJetStream(options: JetStreamOptions): Promise<Messaging> {
  const nc = await connect({ servers: options.url, name: "berth", maxReconnectAttempts: -1, reconnectTimeWait: 500 });
  const jsm = await jetstreamManager(nc);
  const names = streamNames(options.prefix);
  await ensureStream(jsm, {
    name: names.events,
    subjects: [`${options.prefix}.events.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(7 * 24 * 3600 * 1000),
    duplicate_window: nanos(10 * 60 * 1000),
  });
  await ensureStream(jsm, {
    name: names.jobs,
    subjects: [`${options.prefix}.jobs.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(10 * 60 * 1000),
  });
  return new JetStreamMessaging(nc, jetstream(nc), jsm, options);
}

class JetStreamMessaging implements Messaging {
  readonly kind = "jetstream";
  private readonly consumers = new Set<JobConsumer>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamOptions,
  ) {}

  async publish(subject: string, payload: Uint8Array, msgId: string): Promise<void> {
    await this.js.publish(`${this.options.prefix}.${subject}`, payload, { msgID: msgId, timeout: 5000 });
  }

  async consumeJobs(queue: string, handler: JobHandler, options: JobConsumerOptions = {}): Promise<JobConsumer> {
    const { concurrency, maxDeliver, ackWaitMs } = { ...JOB_DEFAULTS, ...options };
    const stream = streamNames(this.options.prefix).jobs;
    const durable = `${queue.replace(/[^A-Za-z0-9_-]/g, "_")}-worker`;
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: `${this.options.prefix}.jobs.${queue}`,
      max_deliver: maxDeliver,
      ack_wait: nanos(ackWaitMs),
    };
    try {
      await this.jsm.consumers.add(stream, config);
    } catch {
      await this.jsm.consumers.update(stream, durable, { max_deliver: maxDeliver, ack_wait: nanos(ackWaitMs) });
    }
    const consumer = await this.js.consumers.get(stream, durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: concurrency });
    const stopping = new AbortController();
    const inFlight = new Set<Promise<void>>();
    const log = this.options.log.child({ queue });

    let stopped = false;
    const loop = (async () => {
      for await (const message of messages) {
        // Messages still buffered after stop() go back to the stream untouched.
        if (stopping.signal.aborted || stopped) {
          message.nak();
          continue;
        }
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        const attempt = message.info.deliveryCount;
        const heartbeat = setInterval(() => message.working(), Math.max(1000, ackWaitMs / 3));
        const run = handler({ payload: message.data, attempt, isLastAttempt: attempt >= maxDeliver, signal: stopping.signal })
          .then(
            () => message.ack(),
            (error: unknown) => {
              if (stopping.signal.aborted) {
                message.nak();
                return;
              }
              log.warn({ attempt, error: error instanceof Error ? error.name : "error" }, "job failed; will retry");
              message.nak(retryDelayMs(attempt));
            },
          )
          .finally(() => {
            clearInterval(heartbeat);
            inFlight.delete(run);
          });
        inFlight.add(run);
      }
    })().catch((error: unknown) => {
      // A broken consumer must not take the process down; the reconciler re-queues lost work.
      if (!stopped) log.error({ error: error instanceof Error ? error.message : "error" }, "job consumer stopped unexpectedly");
    });

    const handle: JobConsumer = {
      stop: async (graceMs = 10_000) => {
        stopped = true;
        messages.stop();
        const timer = setTimeout(() => stopping.abort(), graceMs);
        await Promise.allSettled([...inFlight]);
        clearTimeout(timer);
        await loop.catch(() => undefined);
        this.consumers.delete(handle);
      },
    };
    this.consumers.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    for (const consumer of [...this.consumers]) await consumer.stop();
    await this.nc.drain();
  }
}
