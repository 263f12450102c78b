import { createConnection, type Connection, type RowDataPacket } from "mysql2/promise";
import type { ConformanceSample } from "@berth/provider-sdk/conformance";
import { reachable } from "../../../test/support/net.js";

/** Admin URL of the test server (also the realization target). */
export const ADMIN_URL = process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/";
/** True when the tests run against the local development server rather than an operator's. */
export const IS_LOCAL_DEFAULT = process.env.BERTH_TEST_MYSQL_URL === undefined;

/** Fails loudly, naming the server and how to start it, when nothing answers at ADMIN_URL. */
export async function requireServer(): Promise<void> {
  const url = new URL(ADMIN_URL);
  const port = Number(url.port || 3306);
  if (!(await reachable(url.hostname, port))) {
    throw new Error(`these tests need MariaDB (or MySQL) at ${url.hostname}:${port}, and nothing answers there. Start it (Debian: service mariadb start) or set BERTH_TEST_MYSQL_URL=mysql://root:password@host:3306/`);
  }
}

/** Connects as `connectionUrl`'s user to `database` (default: the URL's). */
export async function withConnection<T>(connectionUrl: string, database: string | undefined, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const url = new URL(connectionUrl);
  const connection = await createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: database ?? (decodeURIComponent(url.pathname.slice(1)) || undefined),
    connectTimeout: 5000,
    multipleStatements: true,
  });
  connection.on("error", () => undefined);
  try {
    return await fn(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

export const admin = <T>(fn: (connection: Connection) => Promise<T>) => withConnection(ADMIN_URL, undefined, fn);

/**
 * The sample an app writes through a delivered MariaDB URL: one row of `conformance_sample` in
 * the dependency's database (the conformance kit's, and the CLI tests' too).
 */
export const mysqlSample: ConformanceSample = {
  write: (connectionUrl, owner, value) =>
    withConnection(connectionUrl, owner.database, async (connection) => {
      await connection.query("CREATE TABLE IF NOT EXISTS conformance_sample (id int PRIMARY KEY, value text NOT NULL)");
      await connection.query("INSERT INTO conformance_sample VALUES (1, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)", [value]);
    }),
  read: (connectionUrl, owner) =>
    withConnection(connectionUrl, owner.database, async (connection) => {
      const [tables] = await connection.query<RowDataPacket[]>("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'conformance_sample'");
      if (tables.length === 0) return undefined;
      const [rows] = await connection.query<RowDataPacket[]>("SELECT value FROM conformance_sample WHERE id = 1");
      return rows[0]?.value as string | undefined;
    }),
  content: {
    entry: () => ({ scope: "table", name: "conformance_sample" }),
    add: (connectionUrl, owner, key, value) =>
      withConnection(connectionUrl, owner.database, async (connection) => {
        await connection.query("INSERT INTO conformance_sample SELECT max(id) + 1, ? FROM conformance_sample", [`${key}=${value}`]);
      }),
  },
  exists: (target, owner) =>
    withConnection(target.adminUrl, undefined, async (connection) => {
      const [found] = await connection.query<RowDataPacket[]>(
        "SELECT (SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) + (SELECT count(*) FROM mysql.user WHERE User = ?) AS n",
        [owner.database, owner.user],
      );
      return Number(found[0].n) > 0;
    }),
};
