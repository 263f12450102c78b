import { setTimeout as sleep } from "node:timers/promises";

/**
 * Reads until `ok` holds of the value or `timeoutMs` has passed, every `intervalMs`; returns the
 * last value read, so the test's own assertion on it says what was seen when it does not hold.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await read();
  }
  return value;
}
