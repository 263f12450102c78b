import pg from "pg";
import { contentStats, ProviderError, redactSecrets, secretPartsOfUrl, type ContentEntry, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";

/**
 * Tables with at most this many rows also get a content fingerprint. It costs one
 * more scan and an md5 of each row's text, about 0.1 s per 100 000 small rows, so
 * big tables are only counted. Decided by row count, not size, so a restored copy
 * (smaller on disk, no dead rows) makes the same decision as its source.
 */
export const FINGERPRINT_MAX_ROWS = 100_000;

/** The tables pg_dump dumps the rows of: ordinary tables (partitions, not their parents) outside system schemas and extensions. */
const TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

/**
 * A read-only REPEATABLE READ transaction on the dependency's database. Its
 * snapshot can be exported to pg_dump (`--snapshot`), so rows counted here are
 * exactly the rows the dump holds.
 */
export class SnapshotSession {
  private constructor(
    private readonly client: pg.Client,
    private readonly secrets: string[],
    readonly serverVersion: string,
  ) {}

  static async open(connectionUrl: string, signal: AbortSignal): Promise<SnapshotSession> {
    const secrets = secretPartsOfUrl(connectionUrl);
    const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 10_000 });
    client.on("error", () => undefined);
    const onAbort = () => void client.end().catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await client.connect();
    } catch (error) {
      signal.removeEventListener("abort", onAbort);
      throw new ProviderError("target_unavailable", `postgres did not answer: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
    const session = new SnapshotSession(client, secrets, "");
    try {
      // Row text (for fingerprints) must not depend on the session's time zone or date style.
      await session.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      await session.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1");
      const [{ server_version }] = await session.query<{ server_version: string }>("SHOW server_version");
      return new SnapshotSession(client, secrets, server_version.split(" ")[0]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Exports this transaction's snapshot for `pg_dump --snapshot=…`; valid while the transaction lasts. */
  async exportSnapshot(): Promise<string> {
    const [{ id }] = await this.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    return id;
  }

  /** Rows per table in this snapshot, with a fingerprint for tables of at most FINGERPRINT_MAX_ROWS rows. */
  async countContent(signal: AbortSignal): Promise<ContentStats> {
    const entries: ContentEntry[] = [];
    for (const { schema, name } of await this.query<{ schema: string; name: string }>(TABLES_SQL)) {
      signal.throwIfAborted();
      const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
      const [{ rows }] = await this.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${table}`);
      const entry: ContentEntry = { scope: "table", name: `${schema}.${name}`, count: Number(rows) };
      if (entry.count <= FINGERPRINT_MAX_ROWS) entry.fingerprint = await this.fingerprint(table);
      entries.push(entry);
    }
    return contentStats(entries);
  }

  /**
   * Order-independent digest of a table's rows: the sum of the first 64 bits of
   * md5(row text) over all rows. One pass, no sort; equal for equal multisets of rows.
   */
  private async fingerprint(table: string): Promise<string> {
    const [{ sum }] = await this.query<{ sum: string }>(`SELECT coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0)::text AS sum FROM ${table} t`);
    return `md5-sum64:${sum}`;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async query<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
    try {
      return (await this.client.query<T>(sql)).rows;
    } catch (error) {
      throw new ProviderError("internal", `postgres refused: ${redactSecrets(messageOf(error), this.secrets)}`, { cause: error });
    }
  }
}

/** Rows (and fingerprints) per table of the live database, counted as a backup's manifest counts them. */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const session = await SnapshotSession.open(request.connectionUrl, request.signal);
  try {
    return await session.countContent(request.signal);
  } finally {
    await session.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
