import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { NATS_URL } from "./env.js";

export interface ReceivedEvent {
  subject: string;
  raw: string;
  type: string;
  data: Record<string, unknown>;
}

/** Every event currently in the events stream of `prefix`, in order. */
export async function readEvents(prefix: string, natsUrl = NATS_URL): Promise<ReceivedEvent[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const stream = `${prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_EVENTS`;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const total = info.state.messages;
    const events: ReceivedEvent[] = [];
    if (total === 0) return events;
    const consumer = await jetstream(nc).consumers.get(stream);
    const messages = await consumer.fetch({ max_messages: total, expires: 2000 });
    for await (const message of messages) {
      const raw = message.string();
      const parsed = JSON.parse(raw) as { type: string; data: Record<string, unknown> };
      events.push({ subject: message.subject, raw, type: parsed.type, data: parsed.data });
      if (events.length >= total) break;
    }
    return events;
  } finally {
    await nc.close();
  }
}

/** Deletes the streams a test prefix created. */
export async function deleteStreams(prefix: string, natsUrl = NATS_URL): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const base = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
    for (const name of [`${base}_EVENTS`, `${base}_JOBS`]) await jsm.streams.delete(name).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
