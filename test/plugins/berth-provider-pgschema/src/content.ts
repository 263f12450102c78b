import pg from "pg";
import { contentStats, ProviderError, redactSecrets, refuseNewerVersion, secretPartsOfUrl, type BackupManifest, type ContentEntry, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { messageOf } from "./admin.js";
import { schemaOf } from "./connection.js";

/** Tables up to this many rows also get a fingerprint (one more scan and an md5 per row); bigger ones are only counted. */
const FINGERPRINT_MAX_ROWS = 100_000;

/**
 * A read-only REPEATABLE READ transaction of the dependency's role, whose
 * snapshot pg_dump imports (`--snapshot`): the rows counted here are exactly
 * the rows in the dump.
 */
export class SchemaSnapshot {
  private constructor(
    private readonly client: pg.Client,
    private readonly secrets: string[],
    readonly serverVersion: string,
  ) {}

  static async open(connectionUrl: string): Promise<SchemaSnapshot> {
    const secrets = secretPartsOfUrl(connectionUrl);
    const client = new pg.Client({ connectionString: connectionUrl, connectionTimeoutMillis: 10_000, application_name: "berth-provider-pgschema" });
    client.on("error", () => undefined);
    try {
      await client.connect();
      // Row text (for fingerprints) must not depend on session settings.
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1");
      const version = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0].server_version.split(" ")[0];
      return new SchemaSnapshot(client, secrets, version);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new ProviderError("target_unavailable", `postgres did not answer: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
  }

  async exportSnapshot(): Promise<string> {
    return (await this.query<{ id: string }>("SELECT pg_export_snapshot() AS id"))[0].id;
  }

  /** Rows per table of `schema` (names without the schema: it is the dependency's own), with fingerprints for small tables. */
  async count(schema: string): Promise<ContentStats> {
    const tables = await this.query<{ name: string }>("SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1", [schema]);
    const entries: ContentEntry[] = [];
    for (const { name } of tables) {
      const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
      const entry: ContentEntry = { scope: "table", name, count: Number((await this.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n) };
      if (entry.count <= FINGERPRINT_MAX_ROWS) {
        // Order-independent: the sum of the first 64 bits of md5(row text); one scan, no sort.
        const [{ sum }] = await this.query<{ sum: string }>(`SELECT coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint), 0)::text AS sum FROM ${table} t`);
        entry.fingerprint = `md5-sum64:${sum}`;
      }
      entries.push(entry);
    }
    return contentStats(entries);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return (await this.client.query<T>(sql, params)).rows;
    } catch (error) {
      throw new ProviderError("internal", `postgres refused: ${redactSecrets(messageOf(error), this.secrets)}`, { cause: error });
    }
  }
}

/** Rows per table of the dependency's schema now, counted as a backup's manifest counts them. */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const schema = schemaOf(request.connectionUrl, request.metadata);
  const snapshot = await SchemaSnapshot.open(request.connectionUrl);
  try {
    return await snapshot.count(schema);
  } finally {
    await snapshot.close();
  }
}

/** Refuses a dump the target cannot load: from a newer pg_dump than the local pg_restore, or a newer server than the target. */
export async function refuseIncompatible(manifest: BackupManifest, connectionUrl: string, pgRestoreVersion: string): Promise<void> {
  refuseNewerVersion({ subject: "pg_restore on the Berth server", backupVersion: manifest.tool.version, targetVersion: pgRestoreVersion });
  const snapshot = await SchemaSnapshot.open(connectionUrl);
  try {
    refuseNewerVersion({ subject: "the target postgres server", backupVersion: manifest.engine.version, targetVersion: snapshot.serverVersion });
  } finally {
    await snapshot.close();
  }
}
