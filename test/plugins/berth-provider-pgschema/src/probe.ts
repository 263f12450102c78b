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
      throw new ProviderError("target_unavailable", `postgres did not answer: ${redactSecrets(messageOf(error), secretPartsOfUrl(request.connectionUrl))}`);
    }
    // current_schema() is NULL when no schema on the search_path exists: it was dropped outside Berth.
    if (schema === null) throw new ProviderError("not_found", "connected, but the dependency's schema is gone");
  } finally {
    request.signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}
