import type { Knex } from "knex";
import { newId } from "./ids.js";
import type { Logger } from "./logger.js";
import type { Messaging } from "./messaging/types.js";

/** Migration that creates a service's outbox table. */
export async function createOutboxTable(knex: Knex): Promise<void> {
  await knex.schema.createTable("outbox", (table) => {
    table.text("id").primary();
    table.text("subject").notNullable();
    table.jsonb("payload").notNullable();
    table.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp("published_at", { useTz: true });
    table.index(["published_at", "created_at"]);
  });
}

/** An event as published: ids and safe metadata only. */
export interface EventEnvelope {
  id: string;
  /** e.g. "dependency.dependency.provisioned" (<service>.<entity>.<verb>) */
  type: string;
  time: string;
  data: Record<string, unknown>;
}

/**
 * Records an event in the same transaction as the state change it describes.
 * The relay publishes it to `<prefix>.events.<type>`, so a broker outage loses nothing.
 */
export async function recordEvent(trx: Knex.Transaction, type: string, data: Record<string, unknown>): Promise<EventEnvelope> {
  const event: EventEnvelope = { id: newId("evt"), type, time: new Date().toISOString(), data };
  await trx("outbox").insert({ id: event.id, subject: `events.${type}`, payload: event });
  return event;
}

/**
 * Records a job in the same transaction as the record it works on. `operationId`
 * becomes the message id, so the job is enqueued once however often it is recorded.
 */
export async function recordJob(trx: Knex.Transaction, queue: string, operationId: string, job: Record<string, unknown>): Promise<void> {
  await trx("outbox").insert({ id: operationId, subject: `jobs.${queue}`, payload: job }).onConflict("id").ignore();
}

/**
 * Publishes outbox rows, oldest first within a batch (consumers order by the
 * event's own ids and times, not delivery order). Several replicas may run it: rows are claimed
 * with FOR UPDATE SKIP LOCKED and marked only after the broker acknowledged them.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly knex: Knex,
    private readonly messaging: Messaging,
    private readonly log: Logger,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Publishes what is pending now (also called right after a commit, to cut latency). */
  kick(): void {
    if (!this.running && !this.stopped) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.failures > 0 ? Math.min(5000, 250 * 2 ** this.failures) : this.intervalMs);
      });
    }, delayMs);
  }

  /** Publishes batches until nothing is pending. Returns the number published. */
  async drain(): Promise<number> {
    await this.prune();
    let published = 0;
    try {
      for (;;) {
        const count = await this.knex.transaction(async (trx) => {
          const rows: Array<{ id: string; subject: string; payload: unknown }> = await trx("outbox")
            .select("id", "subject", "payload")
            .whereNull("published_at")
            .orderBy("created_at")
            .limit(100)
            .forUpdate()
            .skipLocked();
          for (const row of rows) {
            await this.messaging.publish(row.subject, Buffer.from(JSON.stringify(row.payload)), row.id);
          }
          if (rows.length > 0) await trx("outbox").whereIn("id", rows.map((r) => r.id)).update({ published_at: trx.fn.now() });
          return rows.length;
        });
        published += count;
        if (count < 100) break;
      }
      if (this.failures > 0) this.log.info("outbox relay publishing again");
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.log.warn({ failures: this.failures, error: error instanceof Error ? error.name : "error" }, "outbox relay cannot publish; will retry");
      }
    }
    return published;
  }

  private lastPrune = 0;

  /** Deletes rows published more than a week ago, at most once an hour (JetStream keeps the events). */
  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 3_600_000) return;
    this.lastPrune = Date.now();
    await this.knex("outbox")
      .where("published_at", "<", new Date(Date.now() - 7 * 24 * 3_600_000))
      .delete()
      .catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
