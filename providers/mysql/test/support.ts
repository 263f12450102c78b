import { Socket } from "node:net";
import { createConnection, type Connection } from "mysql2/promise";

/** Admin URL of the test server (also the realization target). */
export const ADMIN_URL = process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/";
/** True when the tests run against the local development server rather than an operator's. */
export const IS_LOCAL_DEFAULT = process.env.BERTH_TEST_MYSQL_URL === undefined;

/** Fails loudly, naming the server and how to start it, when nothing answers at ADMIN_URL. */
export async function requireServer(): Promise<void> {
  const url = new URL(ADMIN_URL);
  const port = Number(url.port || 3306);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.connect(port, url.hostname);
  });
  if (!reachable) {
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
