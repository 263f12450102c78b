import pg from "pg";
import { ProviderError, redactSecrets, secretPartsOfUrl, type ProbeRequest } from "@berth/provider-sdk";
import { messageOf } from "./admin.js";

/** Connects as the dependency and checks its schema is still there (search_path resolves). */
export async function probe(request: ProbeRequest): Promise<void> {
  const client = new pg.Client({ connectionString: request.connectionUrl, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  const onAbort = () => void client.end().catch(() => undefined);
  request.signal.addEventListener("abort", onAbort, { once: true });
  try {
    let schema: string | null;
    try {
      await client.connect();
      schema = (await client.query<{ schema: string | null }>("SELECT current_schema() AS schema")).rows[0].schema;
    } catch (error) {
      // A plugin classifies login failures itself (it depends only on the SDK): which part of the URL is wrong.
      const sqlState = (error as { code?: unknown } | null)?.code;
      if (sqlState === "28P01" || sqlState === "28000") throw new ProviderError("authentication_failed", "postgres rejected the user or password");
      if (sqlState === "3D000") throw new ProviderError("database_missing", "the database named in the URL does not exist");
      if (sqlState === "42501") throw new ProviderError("permission_denied", "the user may not connect to the database named in the URL");
      throw new ProviderError("target_unavailable", `postgres did not answer: ${redactSecrets(messageOf(error), secretPartsOfUrl(request.connectionUrl))}`);
    }
    // current_schema() is NULL when no schema on the search_path exists: it was dropped outside Berth.
    if (schema === null) throw new ProviderError("not_found", "connected, but the dependency's schema is gone");
  } finally {
    request.signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}
