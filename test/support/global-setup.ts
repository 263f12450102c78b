import { POSTGRES_ADMIN_URL, NATS_URL } from "./env.js";
import { reachable } from "./net.js";

/** Fails the run loudly (never skips) when a server the tests need is down. */
export default async function setup(): Promise<void> {
  const servers: Array<{ name: string; url: string; port: number; hint: string }> = [
    { name: "Postgres", url: POSTGRES_ADMIN_URL, port: 5432, hint: "pg_ctlcluster 15 main start, or set BERTH_TEST_POSTGRES_URL" },
    { name: "NATS JetStream", url: NATS_URL, port: 4222, hint: "nats-server -js -sd /var/lib/nats-server &, or set BERTH_TEST_NATS_URL" },
    { name: "Redis", url: process.env.BERTH_TEST_REDIS_URL ?? "redis://127.0.0.1:6379", port: 6379, hint: "redis-server --daemonize yes, or set BERTH_TEST_REDIS_URL" },
    { name: "MariaDB", url: process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/", port: 3306, hint: "start-stop-daemon --start --background --exec /usr/sbin/mariadbd, or set BERTH_TEST_MYSQL_URL" },
    { name: "ClickHouse", url: process.env.BERTH_TEST_CLICKHOUSE_URL ?? "http://127.0.0.1:8123/", port: 8123, hint: "bash scripts/servers/20-clickhouse.sh (via scripts/ensure-servers), or set BERTH_TEST_CLICKHOUSE_URL" },
  ];
  const missing: string[] = [];
  for (const server of servers) {
    const url = new URL(server.url);
    if (!(await reachable(url.hostname, Number(url.port || server.port)))) missing.push(`${server.name} at ${url.host} (start it: ${server.hint})`);
  }
  if (missing.length > 0) {
    throw new Error(`tests need real servers that are not running:\n  - ${missing.join("\n  - ")}\n\`bash scripts/test\` starts them for you.`);
  }
}
