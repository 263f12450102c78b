// A real Berth server process for the benchmarks (`berth serve`, as an operator runs it), its
// API clients, timed backups and restores through the API, and the cleanup: the dependencies and
// backups it made through the API, then its own database, NATS streams, artifacts and config.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BackupStatus, DrillStatus, RestoreStatus, createBerthClient } from "@berth/client";
import { streamNames } from "@berth/runtime";
import pg from "pg";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { root, rssSampler } from "./measure.mjs";

export const POSTGRES = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const NATS = process.env.BERTH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
export const JOB_TIMEOUT_MS = 3_600_000;

/**
 * Runs `node args…` (`berth serve`, or the benchmarks' echo baseline) with `env` added to this
 * process's environment, and resolves once it logs the address it listens on:
 * { address, child, output() }. Rejects (and stops it) when it exits first or takes over 30 s.
 */
export function startListening(args, env = {}) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const append = (chunk) => (output = (output + chunk).slice(-200_000));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error(`did not start:\n${output}`));
    }, 30_000);
    child.stdout.on("data", (chunk) => {
      append(chunk);
      const match = /"address":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ address: match[1], child, output: () => output });
      }
    });
    child.stderr.on("data", append);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${output}`));
    });
  });
}

/**
 * Starts `berth serve` with the dependency, binding, deployment and backup services on a fresh
 * database (berth_bench_<random>) and NATS prefix, a temporary artifact directory, and `config`
 * merged over that (e.g. { targets: […] } or { backupCompression: "none" }). Returns the server
 * ({ address, pid, child, client, internal, config, … }); `stop()` removes everything it made.
 */
export async function startBerth(config = {}, { log = () => undefined } = {}) {
  const suffix = randomBytes(4).toString("hex");
  const database = `berth_bench_${suffix}`;
  const natsPrefix = `bench${suffix}`;
  const adminToken = `bench-admin-${randomBytes(16).toString("hex")}`;
  const internalToken = `bench-internal-${randomBytes(16).toString("hex")}`;
  const artifactDir = mkdtempSync(join(tmpdir(), "berth-bench-artifacts-"));
  const full = {
    services: ["dependency", "binding", "deployment", "backup"],
    listen: { host: "127.0.0.1", port: 0 },
    databaseUrl: POSTGRES.replace(/\/[^/]*$/, `/${database}`),
    natsUrl: NATS,
    natsPrefix,
    adminToken,
    internalToken,
    masterKeys: [`bench:${randomBytes(32).toString("base64")}`],
    artifactDir,
    targets: [],
    logLevel: "warn",
    ...config,
  };
  const configPath = join(tmpdir(), `berth-bench-${suffix}.json`);
  writeFileSync(configPath, JSON.stringify(full), { mode: 0o600 });

  const backupIds = [];
  const dependencyIds = [];
  let server;
  let client;
  let internal;
  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    // Through the API first (backups, then dependencies: a managed one drops its data, an imported one only its record) …
    for (const id of backupIds) await client?.backup.deleteBackup({ id, requestId: `bench-del-${id}` }).catch((error) => log(`delete ${id}: ${error.message}`));
    for (const id of dependencyIds) await client?.dependency.deleteDependency({ id, requestId: `bench-del-${id}` }).catch((error) => log(`delete ${id}: ${error.message}`));
    client?.close();
    internal?.close();
    if (server && server.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once("exit", resolve));
      server.child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    // … then Berth's own database, streams, artifacts and config, whatever happened before.
    const admin = new pg.Client({ connectionString: POSTGRES });
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } catch (error) {
      log(`drop database ${database}: ${error.message}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    try {
      const nc = await connect({ servers: NATS });
      const jsm = await jetstreamManager(nc);
      const streams = streamNames(natsPrefix);
      for (const stream of [streams.events, streams.jobs]) await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    } catch (error) {
      log(`delete NATS streams of ${natsPrefix}: ${error.message}`);
    }
    rmSync(artifactDir, { recursive: true, force: true });
    rmSync(configPath, { force: true });
  }

  try {
    server = await startListening([`${root}sdk/cli/dist/main.js`, "serve", "--config", configPath, "--log-level", "info"]);
  } catch (error) {
    await stop();
    throw error;
  }
  client = createBerthClient({ address: server.address, token: adminToken });
  internal = createBerthClient({ address: server.address, token: internalToken });
  const requestId = (what) => `bench-${what}-${suffix}-${randomBytes(3).toString("hex")}`;

  return {
    address: server.address,
    pid: server.child.pid,
    child: server.child,
    output: server.output,
    client,
    internal,
    config: full,
    database,
    natsPrefix,
    artifactDir,
    backupIds,
    dependencyIds,
    requestId,
    stop,

    /** Imports an external connection (Berth then holds its URL, so backups are native). */
    async importDependency({ kind, name, connectionUrl, probe = true }) {
      const { dependency } = await client.dependency.importDependency({ requestId: requestId("i"), projectId: "prj_bench", environmentId: "env_bench", name, kind, connectionUrl, probe, deletionProtection: false });
      dependencyIds.push(dependency.id);
      return dependency;
    },

    /**
     * CreateBackup, then WatchBackup until settled. ms is the wall time from the call to
     * `succeeded`; jobMs the job's own durationMs; usage the server's CPU (and its tools') and RSS.
     */
    async backup(dependencyId, { timeoutMs = JOB_TIMEOUT_MS } = {}) {
      const sampler = rssSampler(server.child.pid);
      const t0 = performance.now();
      const { backup } = await client.backup.createBackup({ requestId: requestId("b"), dependencyId, retentionDays: 1 });
      backupIds.push(backup.id);
      let last = backup;
      for await (const update of client.backup.watchBackup({ id: backup.id, untilSettled: true }, { timeoutMs })) last = update.backup;
      const ms = performance.now() - t0;
      const usage = sampler.stop();
      if (last.status !== BackupStatus.BACKUP_STATUS_SUCCEEDED) throw new Error(`backup ${backup.id} did not succeed: ${last.status} ${last.statusReason}`);
      return { ms, jobMs: Number(last.durationMs), backup: last, usage };
    },

    /**
     * RestoreBackup (acknowledging the overwrite), then WatchRestore until settled; as backup().
     * In place without a safety backup unless `safetyBackup`; `toNew` restores into a new dependency
     * (both are remembered for cleanup).
     */
    async restore(backupId, { timeoutMs = JOB_TIMEOUT_MS, safetyBackup = false, toNew } = {}) {
      const sampler = rssSampler(server.child.pid);
      const t0 = performance.now();
      const { restore } = await client.backup.restoreBackup({
        requestId: requestId("r"),
        backupId,
        acknowledgeDataOverwrite: !toNew,
        skipSafetyBackup: !safetyBackup,
        toNew: toNew ? { name: toNew, projectId: "prj_bench", environmentId: "env_bench", realizationTarget: "" } : undefined,
      });
      if (toNew) dependencyIds.unshift(restore.dependencyId);
      let last = restore;
      for await (const update of client.backup.watchRestore({ id: restore.id, untilSettled: true }, { timeoutMs })) last = update.restore;
      const ms = performance.now() - t0;
      const usage = sampler.stop();
      if (last.safetyBackupId) backupIds.push(last.safetyBackupId);
      if (last.status !== RestoreStatus.RESTORE_STATUS_SUCCEEDED) throw new Error(`restore ${restore.id} did not succeed: ${last.status} ${last.statusReason}`);
      return { ms, jobMs: Date.parse(last.endTime) - Date.parse(last.startTime), restore: last, usage };
    },

    /** VerifyBackup (a restore drill), then WatchDrill until settled; ms is the call → passed. */
    async verify(backupId, { timeoutMs = JOB_TIMEOUT_MS } = {}) {
      const t0 = performance.now();
      const { drill } = await client.backup.verifyBackup({ requestId: requestId("v"), backupId });
      let last = drill;
      for await (const update of client.backup.watchDrill({ id: drill.id, untilSettled: true }, { timeoutMs })) last = update.drill;
      const ms = performance.now() - t0;
      if (last.status !== DrillStatus.DRILL_STATUS_PASSED) throw new Error(`drill ${drill.id} did not pass: ${last.status} ${last.statusReason}`);
      return { ms, jobMs: Number(last.durationMs), drill: last };
    },
  };
}

/**
 * The Berth servers a backup benchmark runs side by side: the default configuration (artifacts
 * gzip level 1), and the operator option backupCompression: none. Fresh objects: a benchmark
 * keeps each variant's server and dependency on it.
 */
export function compressionVariants() {
  return [
    { name: "berthGzip", label: "Berth, gzip level 1 (default)", short: "default gzip", config: {} },
    { name: "berthNone", label: "Berth, backupCompression: none", short: "backupCompression: none", config: { backupCompression: "none" } },
  ];
}

/** Marks each variant's backup summary with its compression (and whether it is the default) and its ratios to the raw tool's median `rawMs`. */
export function addVariantRatios(backups, variants, rawMs) {
  for (const variant of variants) {
    const b = backups[variant.name];
    b.compression = variant.config.backupCompression ?? "gzip";
    b.isDefault = variant.config.backupCompression === undefined;
    b.ratio = b.medianMs / rawMs;
    b.jobRatio = b.medianJobMs / rawMs;
  }
}
