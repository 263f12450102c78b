/**
 * The ClickHouse the tests talk to, and a plain-fetch client acting as an app would. The local
 * test server (scripts/servers/20-clickhouse.sh) gives `default` the test-only password below.
 */
export const ADMIN_URL = process.env.BERTH_TEST_CLICKHOUSE_URL ?? "http://default:berth-test-admin@127.0.0.1:8123/?usersDir=/etc/clickhouse-server/users.d";

/** Runs `sql` with `connectionUrl`'s credentials in `database`; throws the server's message on failure. */
export async function chQuery(connectionUrl: string, database: string, sql: string): Promise<string> {
  const url = new URL(connectionUrl);
  const user = decodeURIComponent(url.username) || "default";
  const auth = Buffer.from(`${user}:${decodeURIComponent(url.password)}`).toString("base64");
  const response = await fetch(`${url.protocol}//${url.host}/?database=${encodeURIComponent(database)}`, {
    method: "POST",
    headers: { authorization: `Basic ${auth}` },
    body: sql,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text.trim());
  return text;
}

/** Fails the file with how to start the server, instead of letting every check fail obscurely. */
export async function requireServer(): Promise<string> {
  try {
    return (await chQuery(ADMIN_URL, "default", "SELECT version()")).trim();
  } catch (error) {
    throw new Error(
      `these tests need a ClickHouse HTTP interface at ${new URL(ADMIN_URL).host} (${(error as Error).message}).\n` +
        "Start the local one with `bash scripts/ensure-servers` (Debian clickhouse-server 18.16), or set BERTH_TEST_CLICKHOUSE_URL=http://user:password@host:8123/?usersDir=…",
    );
  }
}
