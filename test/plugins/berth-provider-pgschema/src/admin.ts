import pg from "pg";
import { ProviderError, redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";

/**
 * The slice of Postgres administration this provider needs, on the shared database
 * as the target's admin role. Every error leaving it is typed and redacted.
 */
export class SharedDatabaseAdmin {
  private constructor(
    private readonly client: pg.Client,
    private readonly secrets: string[],
    private readonly detach: () => void,
  ) {}

  /** Connects to the admin URL; a refused or unreachable server is `target_unavailable`. */
  static async connect(adminUrl: string, secrets: string[], signal: AbortSignal): Promise<SharedDatabaseAdmin> {
    const all = [...secretPartsOfUrl(adminUrl), ...secrets];
    if (signal.aborted) throw new ProviderError("internal", "cancelled before connecting");
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    client.on("error", () => undefined); // a dropped connection surfaces as the next query's error
    try {
      await client.connect();
    } catch (error) {
      throw new ProviderError("target_unavailable", `cannot connect to the postgres-schema target: ${redactSecrets(messageOf(error), all)}`, { cause: error });
    }
    // Ending the connection makes the running statement fail, which ends the verb.
    const onAbort = () => void client.end().catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    return new SharedDatabaseAdmin(client, all, () => signal.removeEventListener("abort", onAbort));
  }

  async rows<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.client.query<T>(sql, params)).rows;
    } catch (error) {
      throw this.refused(error);
    }
  }

  /**
   * Runs a statement; `okCodes` are SQLSTATEs meaning a concurrent caller already did it.
   * Resolves false when one of them was hit.
   */
  async exec(sql: string, okCodes: string[] = []): Promise<boolean> {
    try {
      await this.client.query(sql);
      return true;
    } catch (error) {
      if (okCodes.includes((error as { code?: string }).code ?? "")) return false;
      throw this.refused(error);
    }
  }

  async close(): Promise<void> {
    this.detach();
    await this.client.end().catch(() => undefined);
  }

  private refused(error: unknown): ProviderError {
    return new ProviderError("internal", `postgres refused: ${redactSecrets(messageOf(error), this.secrets)}`, { cause: error });
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
