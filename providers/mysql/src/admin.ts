import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import { ProviderError, redactSecrets } from "@berth/provider-sdk";
import { isUnavailableError, messageOf, type MysqlEndpoint } from "./connection.js";

const ACCESS_DENIED = new Set(["ER_DBACCESS_DENIED_ERROR", "ER_SPECIFIC_ACCESS_DENIED_ERROR", "ER_TABLEACCESS_DENIED_ERROR", "ER_ACCESS_DENIED_ERROR"]);

export type ServerFlavour = "mariadb" | "mysql";

/**
 * One session on a MySQL/MariaDB server: the narrow slice of the driver the
 * provider needs. Every error leaving it is redacted; connecting fails with
 * target_unavailable, statements with internal.
 */
export class MysqlSession {
  private constructor(
    private readonly connection: Connection,
    private readonly secrets: string[],
    private readonly what: string,
    private readonly detach: () => void,
  ) {}

  /** `what` names the server in messages ("the mysql realization target"). */
  static async open(endpoint: MysqlEndpoint, options: { what: string; secrets: string[]; signal?: AbortSignal }): Promise<MysqlSession> {
    const secrets = [endpoint.password, ...options.secrets];
    if (options.signal?.aborted) throw new ProviderError("internal", `aborted before connecting to ${options.what}`);
    let connection: Connection;
    try {
      connection = await createConnection({
        host: endpoint.host,
        port: endpoint.port,
        user: endpoint.user,
        password: endpoint.password,
        database: endpoint.database || undefined,
        connectTimeout: 10_000,
        multipleStatements: false,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
    } catch (error) {
      throw new ProviderError("target_unavailable", `cannot connect to ${options.what}: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
    connection.on("error", () => undefined); // surfaced by the failing statement instead
    const onAbort = () => connection.destroy();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    return new MysqlSession(connection, secrets, options.what, () => options.signal?.removeEventListener("abort", onAbort));
  }

  async rows<T extends RowDataPacket>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      const [rows] = await this.connection.query<T[]>(sql, params);
      return rows;
    } catch (error) {
      throw this.refused(error);
    }
  }

  /** Runs a statement; errors whose driver code is in `okCodes` mean another caller already did it. */
  async exec(sql: string, okCodes: string[] = []): Promise<void> {
    try {
      await this.connection.query(sql);
    } catch (error) {
      if (okCodes.includes((error as { code?: string }).code ?? "")) return;
      throw this.refused(error);
    }
  }

  /** Whether `sql` runs, or fails only for lack of a privilege (then false). */
  async permits(sql: string): Promise<boolean> {
    try {
      await this.connection.query(sql);
      return true;
    } catch (error) {
      if (ACCESS_DENIED.has((error as { code?: string }).code ?? "")) return false;
      throw this.refused(error);
    }
  }

  async flavour(): Promise<ServerFlavour> {
    const [row] = await this.rows<RowDataPacket & { version: string }>("SELECT VERSION() AS version");
    return /mariadb/i.test(String(row?.version)) ? "mariadb" : "mysql";
  }

  async close(): Promise<void> {
    this.detach();
    await this.connection.end().catch(() => this.connection.destroy());
  }

  private refused(error: unknown): ProviderError {
    const message = redactSecrets(messageOf(error), this.secrets);
    if (isUnavailableError(error)) return new ProviderError("target_unavailable", `${this.what} is unavailable: ${message}`, { cause: error });
    return new ProviderError("internal", `${this.what} refused: ${message}`, { cause: error });
  }
}
