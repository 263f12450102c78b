// pnpm bench:redis (or node test/bench/redis.mjs after `pnpm -s build`): Berth's native Redis
// backup of BENCH_REDIS_KEYS keys (default 1,000,000: small strings, every 20th a hash, every 10th
// with a TTL) against `redis-cli --rdb` of the same server, measured in the same run.
//
// The data lives in a private redis-server on a free port (--save "" --appendonly no), so the
// shared server is untouched. The Berth side is the real thing: a `berth serve` process (the
// backup service), to which the database is imported as a dependency through the API (Berth then
// holds its URL, so its backups are native), and CreateBackup → WatchBackup until succeeded; the
// time is from the call to `succeeded`. It runs twice per round, on two servers: one with the
// default artifact compression (gzip level 1) and one with `backupCompression: none`. Rounds are
// interleaved with the raw run, their order rotated each round; figures are medians over
// BENCH_REDIS_ROUNDS (default 3). Then, for information, RestoreBackup of each variant into the
// same database, and a redis-server loading the RDB file at start. Prints a table, writes
// test/bench/results/redis.json.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { addVariantRatios, compressionVariants, startBerth } from "./lib/berth.mjs";
import { MiB, cpuSeconds, envInt, loadText, logger, machine, median, rotate, secs as seconds, writeResults } from "./lib/measure.mjs";

const KEYS = envInt("BENCH_REDIS_KEYS", 1_000_000);
const ROUNDS = envInt("BENCH_REDIS_ROUNDS", 3);
const RESTORE_ROUNDS = envInt("BENCH_REDIS_RESTORE_ROUNDS", 1);
const TARGETS = { backupRatio: 2 };
const VARIANTS = compressionVariants();

const secs = (ms) => seconds(ms, 2);
const log = logger("redis bench");
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** RESP request encoding for the fill (the root test package has no Redis client dependency here). */
function command(...args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`;
  return out;
}

/** A pipelined RESP session for the fill, whose replies (+OK, :n) are one line each. */
function fillSession(port) {
  const socket = connectTcp(port, "127.0.0.1");
  socket.setNoDelay(true);
  let lines = 0;
  let failed = "";
  socket.on("data", (chunk) => {
    for (const byte of chunk) if (byte === 10) lines++;
    if (chunk.includes("-ERR") || chunk.includes("-WRONGTYPE")) failed = chunk.toString("latin1").slice(0, 200);
  });
  return {
    async send(text) {
      if (!socket.write(text)) await new Promise((resolve) => socket.once("drain", resolve));
    },
    async replies(count) {
      while (lines < count) await pause(5);
      if (failed) throw new Error(`the fill failed: ${failed}`);
    },
    close: () => socket.destroy(),
  };
}

/** One command through redis-cli; its reply as text. */
function cli(port, ...args) {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

function startRedis(port, dir, extra = []) {
  return spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", join(dir, `redis-${port}.log`), ...extra], { stdio: "ignore" });
}

/** Waits until the server answers PING and has finished loading its RDB. */
async function waitReady(port, child) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
    const ok = await new Promise((resolve) => {
      const socket = connectTcp(port, "127.0.0.1");
      let reply = "";
      socket.on("data", (chunk) => {
        reply += chunk;
        if (reply.includes("\r\n")) {
          socket.destroy();
          resolve(reply.startsWith("+PONG"));
        }
      });
      socket.on("error", () => resolve(false));
      socket.write(command("PING"));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not become ready`);
    await pause(10);
  }
}

async function stopRedis(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, pause(10_000)]);
}

function timeChild(tool, args) {
  const started = performance.now();
  const child = spawn(tool, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${tool} exited with ${code}: ${stderr}`))));
  });
}

/** Loads the data set through the default user, pipelined. */
async function fill(port) {
  const session = fillSession(port);
  let batch = "";
  let sent = 0;
  let hashes = 0;
  let withTtl = 0;
  for (let i = 0; i < KEYS; i++) {
    const key = `key:${i}`;
    if (i % 20 === 0) {
      batch += command("HSET", key, "name", `user ${i}`, "email", `user${i}@example.com`, "visits", String(i % 977));
      hashes++;
    } else if (i % 10 === 1) {
      batch += command("SET", key, `session-${i}-${"x".repeat(i % 32)}`, "PX", "86400000");
      withTtl++;
    } else {
      batch += command("SET", key, `value-${i}-${"v".repeat(i % 40)}`);
    }
    sent++;
    if (sent % 10_000 === 0) {
      await session.send(batch);
      batch = "";
      await session.replies(sent - 50_000); // keep at most ~50k replies outstanding
    }
  }
  await session.send(batch);
  await session.replies(sent);
  session.close();
  return { hashes, withTtl };
}

async function infoField(port, section, field) {
  const reply = await cli(port, "INFO", section);
  return new RegExp(`^${field}:(.*)$`, "m").exec(reply)?.[1]?.trim();
}

const dbsize = async (port) => Number(await cli(port, "DBSIZE"));
const expires = async (port) => Number(/expires=(\d+)/.exec((await infoField(port, "keyspace", "db0")) ?? "")?.[1] ?? 0);

const scratch = mkdtempSync(join(tmpdir(), "berth-bench-redis-"));
const started = performance.now();
const servers = {};
let redis;
let loader;
try {
  const port = await freePort();
  // repl-diskless-sync-delay 0: otherwise the server waits 5 s for more replicas before it
  // streams the RDB to `redis-cli --rdb`, and the raw baseline would measure that wait.
  redis = startRedis(port, scratch, ["--repl-diskless-sync-delay", "0"]);
  await waitReady(port, redis);
  const version = await infoField(port, "server", "redis_version");
  log(`private redis-server ${version} on 127.0.0.1:${port} (${scratch}); filling ${KEYS.toLocaleString("en")} keys`);
  const fillStarted = performance.now();
  const shape = await fill(port);
  const fillMs = performance.now() - fillStarted;
  const keyCount = await dbsize(port);
  if (keyCount !== KEYS) throw new Error(`expected ${KEYS} keys, found ${keyCount}`);
  const usedMemory = Number(await infoField(port, "memory", "used_memory"));
  log(`filled in ${secs(fillMs)}: ${shape.hashes.toLocaleString("en")} hashes, ${shape.withTtl.toLocaleString("en")} keys with a TTL, used_memory ${MiB(usedMemory)}`);

  // Two Berth servers, each with the database imported as a dependency.
  const connectionUrl = `redis://127.0.0.1:${port}/0`;
  for (const variant of VARIANTS) {
    const server = await startBerth(variant.config, { log });
    servers[variant.name] = server;
    const dependency = await server.importDependency({ kind: "redis", name: "cache", connectionUrl });
    variant.server = server;
    variant.dependencyId = dependency.id;
    log(`${variant.label}: berth serve on ${server.address} (pid ${server.pid}), imported ${dependency.id}`);
  }

  const rdbFile = join(scratch, "raw.rdb");
  const runs = { raw: [], berthGzip: [], berthNone: [] };
  const lastBackup = {};

  /** Redis CPU (main thread and any fork it reaped) around fn; the fork is reaped in the next cron tick, hence the pause. */
  async function withRedisCpu(fn) {
    const cpu0 = cpuSeconds(redis.pid);
    const result = await fn();
    await pause(500);
    const cpu1 = cpuSeconds(redis.pid);
    return { ...result, redisCpuSeconds: cpu1.own - cpu0.own + cpu1.children - cpu0.children };
  }

  const rawRun = async () => {
    const run = await withRedisCpu(async () => ({ ms: await timeChild("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--rdb", rdbFile]) }));
    return { ...run, bytes: statSync(rdbFile).size };
  };
  const berthRun = (variant) => async () => {
    const run = await withRedisCpu(() => variant.server.backup(variant.dependencyId));
    lastBackup[variant.name] = run.backup;
    return { ms: run.ms, jobMs: run.jobMs, bytes: Number(run.backup.sizeBytes), redisCpuSeconds: run.redisCpuSeconds, serverCpuSeconds: run.usage.serverCpuSeconds, peakRssBytes: run.usage.peakRssBytes };
  };
  const order = [["raw", rawRun], ...VARIANTS.map((v) => [v.name, berthRun(v)])];
  const label = { raw: "raw redis-cli --rdb", ...Object.fromEntries(VARIANTS.map((v) => [v.name, v.label])) };

  const machineBefore = machine();
  log(`backups: ${ROUNDS} rounds of raw redis-cli --rdb to a file and Berth with each compression, order rotated per round; ${loadText(machineBefore)}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of rotate(order, round)) {
      const run = await fn();
      runs[name].push(run);
      const job = run.jobMs === undefined ? "" : ` (job ${secs(run.jobMs)})`;
      const berthCpu = run.serverCpuSeconds === undefined ? "" : `, Berth server ${run.serverCpuSeconds.toFixed(2)} s, server peak RSS ${MiB(run.peakRssBytes)}`;
      log(`  ${label[name].padEnd(31)} ${round + 1}/${ROUNDS}: ${secs(run.ms)}${job}, ${MiB(run.bytes)}, CPU: redis ${run.redisCpuSeconds.toFixed(2)} s${berthCpu}`);
    }
  }
  const machineAfter = machine();

  // Restores (for information): each variant's last backup back into the same database, after
  // changing it (a key deleted, one added) so the restore has something to undo.
  log("restores into the same database (for information)");
  const restores = { berthGzip: [], berthNone: [] };
  for (let round = 0; round < RESTORE_ROUNDS; round++) {
    for (const variant of VARIANTS) {
      await cli(port, "DEL", "key:40");
      await cli(port, "SET", "extra:key", "not in the backup");
      const run = await withRedisCpu(() => variant.server.restore(lastBackup[variant.name].id));
      const [restoredKeys, restoredExpires, sample, extra] = [await dbsize(port), await expires(port), await cli(port, "HGET", "key:40", "email"), await cli(port, "EXISTS", "extra:key")];
      if (restoredKeys !== KEYS) throw new Error(`restore brought back ${restoredKeys} keys, expected ${KEYS}`);
      if (restoredExpires !== shape.withTtl) throw new Error(`restore brought back ${restoredExpires} keys with a TTL, expected ${shape.withTtl}`);
      if (sample !== "user40@example.com" || extra !== "0") throw new Error("the restore did not undo the changes");
      restores[variant.name].push({ ms: run.ms, jobMs: run.jobMs, redisCpuSeconds: run.redisCpuSeconds, serverCpuSeconds: run.usage.serverCpuSeconds, peakRssBytes: run.usage.peakRssBytes });
      log(`  ${variant.label.padEnd(31)} ${round + 1}/${RESTORE_ROUNDS}: ${secs(run.ms)} (job ${secs(run.jobMs)}), CPU: redis ${run.redisCpuSeconds.toFixed(2)} s, Berth server ${run.usage.serverCpuSeconds.toFixed(2)} s, server peak RSS ${MiB(run.usage.peakRssBytes)}`);
    }
  }

  // Reference: a fresh redis-server loading the raw RDB file at start.
  const loaderPort = await freePort();
  const loadStarted = performance.now();
  loader = startRedis(loaderPort, scratch, ["--dbfilename", "raw.rdb"]);
  await waitReady(loaderPort, loader);
  while ((await infoField(loaderPort, "persistence", "loading")) !== "0") await pause(10);
  const rdbLoadMs = performance.now() - loadStarted;
  await stopRedis(loader);
  log(`  reference: redis-server start loading the RDB file: ${secs(rdbLoadMs)}`);

  // Medians per variant.
  const summary = (list) => {
    const of = (key) => (list.length && list[0][key] !== undefined ? median(list.map((r) => r[key])) : undefined);
    return { medianMs: of("ms"), medianJobMs: of("jobMs"), bytes: list.at(-1)?.bytes, redisCpuSeconds: of("redisCpuSeconds"), serverCpuSeconds: of("serverCpuSeconds"), peakRssBytes: list.length && list[0].peakRssBytes !== undefined ? Math.max(...list.map((r) => r.peakRssBytes)) : undefined, runs: list };
  };
  const backups = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summary(list)]));
  const rawMs = backups.raw.medianMs;
  addVariantRatios(backups, VARIANTS, rawMs);
  const restoreSummary = Object.fromEntries(Object.entries(restores).map(([name, list]) => [name, summary(list)]));

  const pass = (ok) => (ok ? "ok" : "MISSED");
  const keysText = KEYS >= 1e6 && KEYS % 1e6 === 0 ? `${KEYS / 1e6}M` : KEYS.toLocaleString("en");
  console.log(`\nRedis backup of ${keysText} keys (${shape.hashes.toLocaleString("en")} hashes, ${shape.withTtl.toLocaleString("en")} with a TTL; used_memory ${MiB(usedMemory)}) on redis ${version}`);
  console.log(`raw = redis-cli --rdb to a file; Berth = berth serve, imported dependency, CreateBackup → WatchBackup reports succeeded (job = the backup's own durationMs)`);
  console.log(`median of ${ROUNDS} interleaved runs each (order rotated per round); machine: ${loadText(machineBefore)} before, ${loadText(machineAfter)} after\n`);
  console.log("backup                            median    ratio   job time  job ratio  artifact     CPU (median): redis / Berth server  all runs");
  for (const name of Object.keys(runs)) {
    const b = backups[name];
    const ratio = name === "raw" ? "    —" : `${b.ratio.toFixed(2)}×`;
    const job = name === "raw" ? "       —" : secs(b.medianJobMs).padStart(8);
    const jobRatio = name === "raw" ? "        —" : `${b.jobRatio.toFixed(2)}×`.padStart(9);
    const cpu = `${b.redisCpuSeconds.toFixed(2)} s / ${b.serverCpuSeconds === undefined ? "—" : `${b.serverCpuSeconds.toFixed(2)} s`}`;
    console.log(`${label[name].padEnd(32)}  ${secs(b.medianMs).padStart(7)}  ${ratio.padStart(6)}  ${job}  ${jobRatio}  ${MiB(b.bytes).padStart(10)}  ${cpu.padStart(34)}  ${b.runs.map((r) => secs(r.ms)).join(", ")}`);
  }
  for (const variant of VARIANTS) {
    const b = backups[variant.name];
    const head = variant.config.backupCompression === undefined ? `Berth ÷ raw (${variant.short})` : `(${variant.short})`;
    console.log(`${head}: ${b.ratio.toFixed(2)}×  (target ≤ ${TARGETS.backupRatio}×) ${pass(b.ratio <= TARGETS.backupRatio)}; job time ÷ raw ${b.jobRatio.toFixed(2)}×`);
  }
  console.log(`the Berth server's default is gzip level 1; backupCompression: none is the operator option that seals artifacts without gzip`);
  console.log(`\nrestore into the same database (for information; ${RESTORE_ROUNDS === 1 ? "one run" : `median of ${RESTORE_ROUNDS}`}): ${VARIANTS.map((v) => `${v.short} ${secs(restoreSummary[v.name].medianMs)} (job ${secs(restoreSummary[v.name].medianJobMs)}, redis ${restoreSummary[v.name].redisCpuSeconds.toFixed(2)} s CPU, Berth server ${restoreSummary[v.name].serverCpuSeconds.toFixed(2)} s)`).join("; ")}; reference: redis-server loading the RDB at start ${secs(rdbLoadMs)}`);
  console.log(`sizes: RDB ${MiB(backups.raw.bytes)}, Berth artifact ${MiB(backups.berthGzip.bytes)} (gzip -1, sealed) / ${MiB(backups.berthNone.bytes)} (none, sealed); Berth server peak RSS ${MiB(Math.max(backups.berthGzip.peakRssBytes, backups.berthNone.peakRssBytes))} during backups`);

  const out = writeResults("redis", {
    when: new Date().toISOString(),
    redisVersion: version,
    keys: KEYS,
    rounds: ROUNDS,
    statistic: "median",
    headline: "ratio = Berth (berth serve: CreateBackup → WatchBackup succeeded, imported dependency) ÷ redis-cli --rdb to a file",
    defaultCompression: "gzip",
    dataset: { keys: KEYS, hashes: shape.hashes, withTtl: shape.withTtl, usedMemoryBytes: usedMemory, fillMs },
    targets: TARGETS,
    headlineRatios: { defaultGzip: backups.berthGzip.ratio, compressionNone: backups.berthNone.ratio },
    backup: backups,
    restore: { ...restoreSummary, rdbLoadAtStartMs: rdbLoadMs },
    sizes: { rdbBytes: backups.raw.bytes, berthGzipArtifactBytes: backups.berthGzip.bytes, berthNoneArtifactBytes: backups.berthNone.bytes },
    machine: { before: machineBefore, after: machineAfter },
    totalMs: performance.now() - started,
  });
  console.log(`\nwrote ${out}`);
} finally {
  for (const server of Object.values(servers)) await server.stop();
  await stopRedis(loader);
  await stopRedis(redis);
  rmSync(scratch, { recursive: true, force: true });
}
