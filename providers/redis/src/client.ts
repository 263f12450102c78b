import { Redis, ReplyError } from "ioredis";
import { ProviderError, redactSecrets } from "@berth/provider-sdk";
import { RedisReplyError } from "./resp-parser.js";
import { messageOf, type RedisEndpoint } from "./resp.js";

const CONNECT_TIMEOUT_MS = 10_000;

/**
 * An ioredis client for the admin and probe paths: a few commands each, where a
 * well-kept general client beats our own. Bulk backup and restore keep the
 * measured pipelined connection in resp.ts. No reconnects, no offline queue and
 * no INFO ready check (managed users may not run INFO): a failure is reported,
 * not retried behind the caller's back.
 */
export class RedisClient {
  private constructor(
    private readonly redis: Redis,
    private readonly detachAbort: () => void,
  ) {}

  /**
   * Connects, authenticates and, when `selectDatabase`, selects the endpoint's
   * database. A connection failure or refused login is `target_unavailable`
   * with `secrets` redacted; the server's error reply, when there was one, is
   * its `cause` as a RedisReplyError.
   */
  static async connect(endpoint: RedisEndpoint, options: { signal?: AbortSignal; secrets?: string[]; what?: string } = {}): Promise<RedisClient> {
    const secrets = [...(options.secrets ?? []), ...(endpoint.password ? [endpoint.password] : [])];
    const what = options.what ?? "redis";
    if (options.signal?.aborted) throw new ProviderError("internal", "aborted before connecting");
    const redis = new Redis({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.user,
      password: endpoint.password,
      tls: endpoint.tls ? { servername: endpoint.host } : undefined,
      db: 0,
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    let firstError: unknown;
    redis.on("error", (error: unknown) => (firstError ??= error));
    const onAbort = () => redis.disconnect();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const client = new RedisClient(redis, () => options.signal?.removeEventListener("abort", onAbort));
    try {
      await redis.connect();
    } catch (error) {
      client.close();
      if (options.signal?.aborted) throw new ProviderError("internal", "aborted while connecting");
      const cause = replyErrorOf(firstError) ?? firstError ?? error;
      const message = redactSecrets(messageOf(cause), secrets);
      if (cause instanceof RedisReplyError) throw new ProviderError("target_unavailable", `${what} refused the login: ${message}`, { cause });
      throw new ProviderError("target_unavailable", `cannot connect to ${what}: ${message}`, { cause });
    }
    if (endpoint.db === 0) return client;
    try {
      await client.call(["SELECT", String(endpoint.db)]);
      return client;
    } catch (error) {
      client.close();
      throw new ProviderError("target_unavailable", `${what} refused the login: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
  }

  /** One command; an error reply is thrown as a RedisReplyError. */
  async call(args: Array<string | Buffer>): Promise<unknown> {
    const [command, ...rest] = args;
    try {
      return await this.redis.callBuffer(String(command), ...rest);
    } catch (error) {
      throw replyErrorOf(error) ?? error;
    }
  }

  /** One SCAN step: the next cursor and the keys it returned. */
  async scan(cursor: string, pattern: string, count: number): Promise<{ cursor: string; keys: Buffer[] }> {
    const [next, keys] = (await this.call(["SCAN", cursor, "MATCH", pattern, "COUNT", String(count)])) as [Buffer, Buffer[]];
    return { cursor: next.toString(), keys };
  }

  close(): void {
    this.detachAbort();
    this.redis.disconnect();
  }
}

/** ioredis's reply errors as ours, so callers classify them by code. */
function replyErrorOf(error: unknown): RedisReplyError | undefined {
  return error instanceof (ReplyError as typeof Error) ? new RedisReplyError((error as Error).message) : undefined;
}
