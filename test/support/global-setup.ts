import { Socket } from "node:net";
import { POSTGRES_ADMIN_URL, NATS_URL } from "./env.js";

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.connect(port, host);
  });
}

/** Fails the run loudly (never skips) when a server the tests need is down. */
export default async function setup(): Promise<void> {
  const pg = new URL(POSTGRES_ADMIN_URL);
  const nats = new URL(NATS_URL);
  const missing: string[] = [];
  if (!(await reachable(pg.hostname, Number(pg.port || 5432)))) {
    missing.push(`Postgres at ${pg.host} (start it: pg_ctlcluster 15 main start, or set BERTH_TEST_POSTGRES_URL)`);
  }
  if (!(await reachable(nats.hostname, Number(nats.port || 4222)))) {
    missing.push(`NATS JetStream at ${nats.host} (start it: nats-server -js -sd /var/lib/nats-server &, or set BERTH_TEST_NATS_URL)`);
  }
  if (missing.length > 0) {
    throw new Error(`tests need real servers that are not running:\n  - ${missing.join("\n  - ")}\n\`bash scripts/test\` starts them for you.`);
  }
}
