import { isProviderError, ProviderError, secretPartsOfUrl, type ProbeRequest } from "@berth/provider-sdk";
import { RedisClient } from "./client.js";
import { RedisReplyError } from "./resp-parser.js";
import { endpointOf } from "./resp.js";

/**
 * Logs in with the URL's user and password, selects its database and, for a
 * dependency confined to a key prefix, checks a key under that prefix may be
 * read. Error replies say which part is wrong; messages never quote them (a
 * module's reply may echo arguments).
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const endpoint = endpointOf(request.connectionUrl);
  let connection: RedisClient;
  try {
    connection = await RedisClient.connect(endpoint, { signal: request.signal, secrets: secretPartsOfUrl(request.connectionUrl) });
  } catch (error) {
    throw classify(isProviderError(error) ? error.cause : error, `database ${endpoint.db}`) ?? error;
  }
  try {
    await connection.call(["PING"]);
    const prefix = request.metadata?.keyPrefix;
    if (prefix) await connection.call(["EXISTS", `${prefix}berth-probe`]);
  } catch (error) {
    throw classify(error, `key prefix ${request.metadata?.keyPrefix ?? ""}`) ?? new ProviderError("target_unavailable", "redis did not answer PING", { cause: error });
  } finally {
    connection.close();
  }
}

/** The typed error for a Redis error reply, or undefined when it is not one a probe explains. */
function classify(cause: unknown, what: string): ProviderError | undefined {
  if (!(cause instanceof RedisReplyError)) return undefined;
  const text = cause.message;
  if (cause.code === "WRONGPASS" || cause.code === "NOAUTH" || /invalid (username-)?password|without any password configured/i.test(text)) {
    return new ProviderError("authentication_failed", "redis rejected the user or password", { cause });
  }
  if (/DB index is out of range/i.test(text)) return new ProviderError("database_missing", `redis has no ${what}`, { cause });
  if (cause.code === "NOPERM") return new ProviderError("permission_denied", `the redis user may not use ${what}`, { cause });
  return undefined;
}
