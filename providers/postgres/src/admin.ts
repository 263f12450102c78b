import pg from "pg";
import { ProviderError, redactSecrets } from "@berth/provider-sdk";

/**
 * The narrow slice of Postgres administration the provider needs, so the
 * engine-specific part stays small. Every error leaving it is redacted.
 */
export class PgAdmin {
  private constructor(
    private readonly client: pg.Client,
    private readonly secrets: string[],
    private readonly detach: () => void,
  ) {}

  static async connect(adminUrl: string, secrets: string[], signal?: AbortSignal): Promise<PgAdmin> {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
    const all = [...secrets];
    try {
      await client.connect();
    } catch (error) {
      throw new ProviderError("target_unavailable", `cannot connect to the postgres realization target: ${redactSecrets(messageOf(error), all)}`, {
        cause: error,
      });
    }
    const onAbort = () => void client.end().catch(() => undefined);
    signal?.addEventListener("abort", onAbort, { once: true });
    return new PgAdmin(client, all, () => signal?.removeEventListener("abort", onAbort));
  }

  async query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.client.query<T>(sql, params)).rows;
    } catch (error) {
      throw new ProviderError("internal", `postgres refused: ${redactSecrets(messageOf(error), this.secrets)}`, { cause: error });
    }
  }

  /** Runs a statement that may fail with one of `okCodes` because another caller already did it. */
  async exec(sql: string, okCodes: string[] = []): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (error) {
      if (okCodes.includes((error as { code?: string }).code ?? "")) return;
      throw new ProviderError("internal", `postgres refused: ${redactSecrets(messageOf(error), this.secrets)}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.detach();
    await this.client.end().catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
