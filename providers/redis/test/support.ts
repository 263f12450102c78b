import { Redis } from "ioredis";
import { reachable } from "../../../test/support/net.js";

/** Admin URL of the Redis the tests realize on (the realization target). */
export const REDIS_ADMIN_URL = process.env.BERTH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Fails loudly, with how to start it, when the test Redis is not running. */
export async function requireRedis(): Promise<void> {
  const url = new URL(REDIS_ADMIN_URL);
  if (!(await reachable(url.hostname, Number(url.port || 6379)))) {
    throw new Error(`these tests need Redis ≥ 7 at ${url.host} (start it: redis-server --daemonize yes, or set BERTH_TEST_REDIS_URL)`);
  }
}

/**
 * One-shot ioredis client for a delivered URL. No ready check: it sends INFO,
 * which managed users may not run.
 */
export async function withRedis<T>(connectionUrl: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(connectionUrl, { lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Every key name matching `pattern`, by a full SCAN. */
export async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const names: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    names.push(...keys);
  } while (cursor !== "0");
  return names;
}
