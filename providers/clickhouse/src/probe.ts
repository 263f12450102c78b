import { ProviderError, type ProbeRequest } from "@berth/provider-sdk";
import { isClickHouseError, query, type HttpEndpoint } from "./http.js";
import { quoteString } from "./sql.js";
import { parseConnection } from "./urls.js";

/** Server exception codes a probe explains, and what each says about the URL. */
const PROBE_FAILURES: Record<number, { code: "authentication_failed" | "database_missing" | "permission_denied"; says: string }> = {
  192: { code: "authentication_failed", says: "clickhouse does not know the user" },
  193: { code: "authentication_failed", says: "clickhouse rejected the password" },
  194: { code: "authentication_failed", says: "clickhouse requires a password for the user" },
  516: { code: "authentication_failed", says: "clickhouse rejected the user or password" },
  81: { code: "database_missing", says: "the database named in the URL does not exist" },
  195: { code: "permission_denied", says: "clickhouse does not let this user connect from Berth's host" },
  291: { code: "permission_denied", says: "the user may not use the database named in the URL" },
  497: { code: "permission_denied", says: "the user may not use the database named in the URL" },
};

const DATABASE_ACCESS_DENIED = 291;

/** Whether the server lists `database` (system.databases is readable by every user); true when it cannot tell. */
async function databaseExists(endpoint: HttpEndpoint, database: string, signal: AbortSignal): Promise<boolean> {
  const answer = await query(endpoint, `SELECT count() FROM system.databases WHERE name = ${quoteString(database)}`, { signal, timeoutMs: 10_000 }).catch(() => "1");
  return answer.trim() !== "0";
}

/**
 * Logs in as the URL's user with the URL's database as the current one and
 * runs one query; the server's exception code says which part is wrong.
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const { endpoint, database } = parseConnection(request.kind, request.connectionUrl);
  try {
    await query(endpoint, "SELECT 1", { database, signal: request.signal, timeoutMs: 10_000 });
  } catch (error) {
    const serverCode = isClickHouseError(error) ? error.serverCode : undefined;
    // A user confined to its own databases hears "access denied" for a name that does not exist, too.
    if (serverCode === DATABASE_ACCESS_DENIED && !(await databaseExists(endpoint, database, request.signal))) {
      throw new ProviderError("database_missing", "the database named in the URL does not exist", { cause: error });
    }
    const known = serverCode !== undefined ? PROBE_FAILURES[serverCode] : undefined;
    if (known) throw new ProviderError(known.code, known.says, { cause: error });
    throw error;
  }
}
