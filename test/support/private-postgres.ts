import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { freePort } from "./net.js";

const BIN = process.env.BERTH_TEST_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";

/**
 * A Postgres of the test's own that checks passwords (SCRAM for every
 * connection). The shared development server trusts 127.0.0.1, so a wrong
 * password there would log in; this one refuses it, as production servers do.
 * Runs as the `postgres` user when the test runs as root (initdb refuses root).
 */
export class PrivatePostgres {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    readonly password: string,
    private readonly dir: string,
  ) {}

  static async start(password = `pw-${Math.random().toString(36).slice(2)}`): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), "berth-pg-"));
    const server = new PrivatePostgres(await freePort(), password, dir);
    // Processes run as the postgres user when we are root (initdb and postgres refuse root), signalled directly.
    const owner = process.getuid?.() === 0 ? userIds("postgres") : undefined;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    writeFileSync(join(dir, "pwfile"), `${password}\n`, { mode: 0o644 });
    try {
      execFileSync(join(BIN, "initdb"), ["-D", join(dir, "data"), "-A", "scram-sha-256", "-U", "postgres", `--pwfile=${join(dir, "pwfile")}`], { stdio: "ignore", ...owner });
    } catch (error) {
      throw new Error(`initdb failed (is PostgreSQL 15 installed at ${BIN}? set BERTH_TEST_POSTGRES_BIN): ${String(error)}`);
    }
    const args = ["-D", join(dir, "data"), "-p", String(server.port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`, "-c", "fsync=off"];
    server.child = spawn(join(BIN, "postgres"), args, { stdio: "ignore", ...owner });
    for (let i = 0; i < 100; i++) {
      if (await server.answers()) return server;
      await sleep(100);
    }
    await server.stop();
    throw new Error(`the private postgres did not start on port ${server.port}`);
  }

  /** The superuser's URL (with its password) for `database`. */
  url(database = "postgres", user = "postgres", password = this.password): string {
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  async query(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  private async answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGINT"); // fast shutdown
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}
