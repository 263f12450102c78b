import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions<T> {
  /** What must change for a new update to be sent (status, update time, progress…). */
  fingerprint(record: T): string;
  /** True once the record reached a final state. */
  isSettled(record: T): boolean;
  /** End the stream once settled. */
  untilSettled: boolean;
  signal: AbortSignal;
  pollMs?: number;
}

/**
 * Watch by polling the store: yields the record now and whenever its fingerprint
 * changes. Reading Postgres (not local events) means a watcher sees changes made
 * by any replica.
 */
export async function* watchByPolling<T>(load: () => Promise<T>, options: PollOptions<T>): AsyncGenerator<T> {
  let previous = "";
  for (;;) {
    const record = await load();
    const print = options.fingerprint(record);
    if (print !== previous) {
      previous = print;
      yield record;
    }
    if (options.untilSettled && options.isSettled(record)) return;
    try {
      await sleep(options.pollMs ?? 200, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
