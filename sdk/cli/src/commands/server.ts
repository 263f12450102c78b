import { join } from "node:path";
import { Command, Option } from "commander";
import { berthHome, clearDevServerInfo, IMPLEMENTED_SERVICES, readDevServerInfo, SERVICE_NAMES, writeDevServerInfo } from "@berth/client";
import type { HostConfigInput, RunningHost } from "@berth/host";
import { CliError } from "../output.js";

interface ServeFlags {
  enableBackupScheduler?: boolean;
  config?: string;
  services?: string;
  listen?: string;
  databaseUrl?: string;
  natsUrl?: string;
  natsPrefix?: string;
  logLevel?: string;
}

/**
 * The services, providers and drivers are in @berth/host, an optional peer of the CLI:
 * they load only for `serve` and `dev`, so every other command starts without them and a
 * client-only install does not carry them. Without @berth/host those two commands say
 * what to install. Config errors become usage errors here.
 */
async function loadHost(command: string): Promise<typeof import("@berth/host")> {
  try {
    import.meta.resolve("@berth/host");
  } catch {
    throw new CliError(
      `\`berth ${command}\` needs the Berth server package @berth/host, which is not installed next to @berth/cli: ` +
        `install both (\`npm install @berth/cli @berth/host\`, the same version), or run it from a Berth checkout (\`pnpm berth ${command}\`); ` +
        "every other command works without it",
      "host_not_installed",
    );
  }
  return import("@berth/host");
}

function asUsageError(error: unknown, isConfigError: (e: unknown) => boolean): never {
  if (isConfigError(error)) throw new CliError((error as Error).message, "config_invalid");
  throw error;
}

function flagLayer(flags: ServeFlags, { parseServices, parseListen }: Awaited<ReturnType<typeof loadHost>>): HostConfigInput {
  return {
    services: flags.services ? parseServices(flags.services) : undefined,
    listen: flags.listen ? parseListen(flags.listen) : undefined,
    databaseUrl: flags.databaseUrl,
    natsUrl: flags.natsUrl,
    natsPrefix: flags.natsPrefix,
    logLevel: flags.logLevel as HostConfigInput["logLevel"],
    backupScheduler: flags.enableBackupScheduler ? { enabled: true, tickMs: 30_000 } : undefined,
  };
}

/**
 * Installs SIGINT/SIGTERM handlers before anything starts (a signal during start-up
 * must not kill the process half-way) and returns a setter for the stop routine.
 * The first signal stops gracefully; a second exits at once.
 */
function stopOnSignals(): (stop: () => Promise<void>) => void {
  let stop: (() => Promise<void>) | undefined;
  let signalled = false;
  const onSignal = () => {
    if (signalled) process.exit(130);
    signalled = true;
    if (stop) void stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return (routine) => {
    stop = routine;
    if (signalled) void routine().then(() => process.exit(0), () => process.exit(1));
  };
}

function commonOptions(command: Command): Command {
  return command
    .option("--config <file>", "YAML or JSON config file (env BERTH_CONFIG)")
    .option("--listen <host:port>", "gRPC listen address (env BERTH_LISTEN)")
    .option("--nats-url <url>", "NATS JetStream URL; without it `dev` serves messaging in-process (env BERTH_NATS_URL)")
    .option("--nats-prefix <prefix>", "subject and stream prefix (env BERTH_NATS_PREFIX)")
    .option("--enable-backup-scheduler", "run due backup policies from this process (env BERTH_BACKUP_SCHEDULER=1); safe on several replicas")
    .addOption(new Option("--log-level <level>", "log level (env BERTH_LOG_LEVEL)").choices(["trace", "debug", "info", "warn", "error", "silent"]));
}

export function serveCommand(): Command {
  return commonOptions(
    new Command("serve")
      .description("run Berth services in production: any subset, against your Postgres and NATS")
      .option("--services <list>", `comma-separated: ${SERVICE_NAMES.join(",")} (implemented now: ${[...IMPLEMENTED_SERVICES].join(",")}) (env BERTH_SERVICES)`)
      .option("--database-url <url>", "Postgres URL of Berth's own database (env BERTH_DATABASE_URL)"),
  )
    .addHelpText(
      "after",
      `
Configuration comes from (lowest first) the config file, environment variables, then flags.
Secrets (tokens, master keys, target admin URLs, a database URL with a password) belong in the file or
env, not flags, which other users can see in the process list.
Environment: BERTH_DATABASE_URL BERTH_NATS_URL BERTH_NATS_PREFIX BERTH_ADMIN_TOKEN BERTH_INTERNAL_TOKEN
             BERTH_MASTER_KEYS (comma-separated "id:base64") BERTH_LISTEN BERTH_SERVICES BERTH_LOG_LEVEL

Example:
  $ BERTH_CONFIG=/etc/berth/berth.yaml berth serve --services dependency --listen 0.0.0.0:7070`,
    )
    .action(async (flags: ServeFlags) => {
      const lib = await loadHost("serve");
      const isConfigError = (e: unknown) => e instanceof lib.ConfigError;
      const configPath = flags.config ?? process.env.BERTH_CONFIG;
      const config = (() => {
        try {
          return lib.resolveConfig([configPath ? lib.readConfigFile(configPath) : {}, lib.configFromEnv(), flagLayer(flags, lib)]);
        } catch (error) {
          return asUsageError(error, isConfigError);
        }
      })();
      const setStop = stopOnSignals();
      const log = lib.createLogger({ level: config.logLevel });
      const host = await lib.startHost(config, log).catch((error: unknown) => asUsageError(error, isConfigError));
      setStop(() => host.stop());
    });
}

export function devCommand(): Command {
  return commonOptions(
    new Command("dev")
      .description("run all services in one process with embedded defaults (Postgres in-process binaries, in-process messaging)")
      .option("--port <port>", "gRPC port", "7070")
      .option("--stop", "stop the dev server running for this BERTH_HOME", false)
      .option("--reset", "remove all dev state of this BERTH_HOME (credentials, embedded Postgres data, artifacts); asks first", false)
      .option("--yes", "with --reset: do not ask (needed when stdin is not a terminal)", false),
  )
    .addHelpText(
      "after",
      `
State lives in $BERTH_HOME (default ~/.berth): generated tokens and master key (0600), postgres.json,
artifacts/, server.json while running (how the CLI finds this server without flags), and the embedded
Postgres data in postgres/. As root, Postgres runs as the postgres user, which cannot enter a private
home: the data then lives in /var/tmp/berth-dev-<hash>/postgres and $BERTH_HOME/postgres links to it.
The start-up message prints where it is. \`berth dev --reset\` removes all of it.

Examples:
  $ pnpm berth dev &
  $ pnpm berth dependency provision --kind postgres --project prj_demo --environment env_dev --name app-db --wait
  $ pnpm berth dev --stop && pnpm berth dev --reset --yes     # start over: all dev data is gone`,
    )
    .action(async (flags: ServeFlags & { port: string; stop: boolean; reset: boolean; yes: boolean }) => {
      const home = berthHome();
      const running = readDevServerInfo(home);
      if (flags.stop) return stopDevServer(home, running);
      if (flags.reset) return resetDev(home, running, flags.yes);
      if (running) {
        throw new CliError(`a dev server for ${home} is already running on ${running.address} (pid ${running.pid}); stop it first or set BERTH_HOME`, "dev_server_running");
      }
      const lib = await loadHost("dev");
      const isConfigError = (e: unknown) => e instanceof lib.ConfigError;
      const configPath = flags.config ?? process.env.BERTH_CONFIG;
      const fileLayer = (() => {
        try {
          return configPath ? lib.readConfigFile(configPath) : {};
        } catch (error) {
          return asUsageError(error, isConfigError);
        }
      })();
      const setStop = stopOnSignals();
      const log = lib.createLogger({ level: flags.logLevel ?? "info" });
      const credentials = lib.loadOrCreateDevCredentials(home);
      const postgres = await lib.startEmbeddedPostgres(home, log);
      let host: RunningHost | undefined;
      try {
        const config = lib.resolveConfig([
          {
            services: [...IMPLEMENTED_SERVICES],
            listen: { host: "127.0.0.1", port: Number(flags.port) },
            databaseUrl: postgres.databaseUrl,
            adminToken: credentials.adminToken,
            internalToken: credentials.internalToken,
            masterKeys: [credentials.masterKey],
            targets: [{ name: "embedded", kind: "postgres", adminUrl: postgres.adminUrl }],
            artifactDir: join(home, "artifacts"),
          },
          withEmbeddedTarget(fileLayer, postgres.adminUrl),
          lib.configFromEnv(),
          flagLayer(flags, lib),
        ]);
        host = await lib.startHost(config, log);
      } catch (error) {
        await postgres.stop();
        asUsageError(error, isConfigError);
      }
      writeDevServerInfo(home, { address: host.address, pid: process.pid, startedAt: new Date().toISOString() });
      process.stderr.write(
        `\nBerth dev server on ${host.address} (state in ${home}; embedded Postgres data in ${postgres.dataDir}; remove all of it with \`berth dev --reset\`).\nTry: pnpm berth dependency provision --kind postgres --project prj_demo --environment env_dev --name app-db --wait\n\n`,
      );
      setStop(async () => {
        clearDevServerInfo(home);
        await host!.stop();
        await postgres.stop();
      });
    });
}

/** `berth dev --reset`: removes the home's dev state after the user said yes; never while its server runs. */
async function resetDev(home: string, running: ReturnType<typeof readDevServerInfo>, yes: boolean): Promise<void> {
  if (running) {
    throw new CliError(`the dev server of ${home} is running on ${running.address} (pid ${running.pid}); stop it first with \`berth dev --stop\``, "dev_server_running");
  }
  const { devStatePaths, resetDevHome } = await loadHost("dev --reset");
  const paths = devStatePaths(home);
  if (paths.length === 0) {
    process.stderr.write(`no dev state for ${home}: nothing to remove\n`);
    return;
  }
  const what = `${paths.map((p) => `  ${p}`).join("\n")}\n(dependencies the dev server provisioned on other realization targets are not released: delete them first)`;
  if (!yes) {
    if (!process.stdin.isTTY) {
      throw new CliError(`--reset removes all dev state of ${home}:\n${what}\nre-run with --yes to confirm; nothing was removed`, "confirmation_required");
    }
    if (!(await askYes(`Remove all dev state of ${home}?\n${what}\n[y/N] `))) {
      process.stderr.write("nothing was removed\n");
      return;
    }
  }
  for (const path of resetDevHome(home)) process.stderr.write(`removed ${path}\n`);
}

async function askYes(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function stopDevServer(home: string, running: ReturnType<typeof readDevServerInfo>): Promise<void> {
  if (!running) {
    process.stderr.write(`no dev server is running for ${home}\n`);
    return;
  }
  process.kill(running.pid, "SIGTERM");
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(running.pid, 0);
    } catch {
      process.stderr.write(`stopped the dev server on ${running.address}\n`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new CliError(`the dev server (pid ${running.pid}) did not stop within 30 s`, "dev_server_stop_timeout");
}

/**
 * A dev config's `targets:` adds to the embedded Postgres target instead of replacing it
 * (a list in a later layer would otherwise drop it silently); the embedded one stays the
 * first, so it remains postgres's default. A file target named "embedded" is the file's mistake.
 */
function withEmbeddedTarget(fileLayer: HostConfigInput, adminUrl: string): HostConfigInput {
  if (!fileLayer.targets) return fileLayer;
  if (fileLayer.targets.some((t) => t.name === "embedded")) {
    throw new CliError("the dev config names a target \"embedded\": that name is the embedded Postgres's; rename yours", "config_invalid");
  }
  return { ...fileLayer, targets: [{ name: "embedded", kind: "postgres", adminUrl }, ...fileLayer.targets] };
}

