// node test/bench/redis.mjs (after `pnpm -s build`): Berth's native Redis backup of a managed
// dependency holding BENCH_REDIS_KEYS keys (default 1,000,000: small strings, every 20th a hash,
// every 10th with a TTL) against `redis-cli --rdb` of the same server, measured in the same run.
// The backup goes through gzip level 1, as Berth's backup service sends it (encryption and the
// artifact store are left out). Also times Berth's restore into an empty database, and, for
// reference, a redis-server starting from the RDB file. Uses a private redis-server on a free
// port (--save "" --appendonly no), so the shared server is untouched. Prints a summary and
// writes test/bench/results/redis.json.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createGunzip, createGzip } from "node:zlib";
import { redisProvider, REDIS_FORMAT } from "../../providers/redis/dist/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const KEYS = Number(process.env.BENCH_REDIS_KEYS ?? 1_000_000);
// Interleaved rounds (raw, Berth, raw, Berth …); each side is its best run, the most repeatable
// figure on a small machine that other work shares.
const ROUNDS = Math.max(1, Number(process.env.BENCH_REDIS_ROUNDS ?? 2));
const TARGETS = { backupRatio: 2 };

const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const best = (values) => Math.min(...values);
const log = (line) => console.log(`[redis bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const signal = new AbortController().signal;

/** CPU seconds (user + system) of a process, and of its reaped children (redis's fork for --rdb). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const tick = (i) => Number(fields[i - 3]) / 100; // fields are numbered from 1, and 3 is the first after "comm) "; USER_HZ is 100
  return { own: tick(14) + tick(15), children: tick(16) + tick(17) };
}

function ownCpuSeconds() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

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
      while (lines < count) await new Promise((resolve) => setTimeout(resolve, 5));
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
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", join(dir, `redis-${port}.log`), ...extra], { stdio: "ignore" });
  return child;
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
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function stopRedis(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
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

/** Loads the data set under the dependency's key prefix through the admin (default) user, pipelined. */
async function fill(port, prefix) {
  const session = fillSession(port);
  let batch = "";
  let sent = 0;
  let hashes = 0;
  let withTtl = 0;
  for (let i = 0; i < KEYS; i++) {
    const key = `${prefix}key:${i}`;
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

async function dbsize(port) {
  return Number(await cli(port, "DBSIZE"));
}

const scratch = mkdtempSync(join(tmpdir(), "berth-bench-redis-"));
const started = performance.now();
let server;
let loader;
try {
  const port = await freePort();
  // repl-diskless-sync-delay 0: otherwise the server waits 5 s for more replicas before it
  // streams the RDB to `redis-cli --rdb`, and the raw baseline would measure that wait.
  server = startRedis(port, scratch, ["--repl-diskless-sync-delay", "0"]);
  await waitReady(port, server);
  const version = await infoField(port, "server", "redis_version");
  log(`private redis-server ${version} on 127.0.0.1:${port} (${scratch})`);

  const dependencyId = `dep_bench${randomBytes(4).toString("hex")}`;
  const realized = await redisProvider.realize({ dependencyId, name: "bench", kind: "redis", target: { name: "bench", kind: "redis", adminUrl: `redis://127.0.0.1:${port}` }, signal });
  const { connectionUrl, metadata } = realized;
  log(`realized ${metadata.user}; filling ${KEYS.toLocaleString("en")} keys under ${metadata.keyPrefix}`);
  const fillStarted = performance.now();
  const shape = await fill(port, metadata.keyPrefix);
  const fillMs = performance.now() - fillStarted;
  const keyCount = await dbsize(port);
  if (keyCount !== KEYS) throw new Error(`expected ${KEYS} keys, found ${keyCount}`);
  const usedMemory = Number(await infoField(port, "memory", "used_memory"));
  log(`filled in ${secs(fillMs)}: ${shape.hashes.toLocaleString("en")} hashes, ${shape.withTtl.toLocaleString("en")} keys with a TTL, used_memory ${MiB(usedMemory)}`);

  const rdbFile = join(scratch, "raw.rdb");
  const artifactFile = join(scratch, "berth.artifact.gz");
  const raw = { ms: [], redisCpu: [] };
  const berth = { ms: [], redisCpu: [], nodeCpu: [], uncompressedBytes: 0 };

  async function rawBackup(round) {
    const cpu0 = cpuSeconds(server.pid);
    const ms = await timeChild("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "--rdb", rdbFile]);
    await new Promise((resolve) => setTimeout(resolve, 500)); // redis reaps its fork (and so counts its CPU) in the next cron tick
    const cpu1 = cpuSeconds(server.pid);
    raw.ms.push(ms);
    raw.redisCpu.push(cpu1.own - cpu0.own + cpu1.children - cpu0.children);
    log(`  raw redis-cli --rdb ${round + 1}/${ROUNDS}: ${secs(ms)}, ${MiB(statSync(rdbFile).size)}, redis CPU ${raw.redisCpu.at(-1).toFixed(2)} s (main thread + fork)`);
  }

  async function berthBackup(round) {
    const cpu0 = cpuSeconds(server.pid);
    const node0 = ownCpuSeconds();
    const t0 = performance.now();
    const sink = new PassThrough();
    let uncompressed = 0;
    sink.on("data", (chunk) => (uncompressed += chunk.length));
    const written = pipeline(sink, createGzip({ level: 1 }), createWriteStream(artifactFile));
    const result = await redisProvider.backup({ kind: "redis", connectionUrl, metadata, sink, signal });
    await written;
    const ms = performance.now() - t0;
    const cpu1 = cpuSeconds(server.pid);
    if (result.format !== REDIS_FORMAT) throw new Error(`unexpected format ${result.format}`);
    berth.ms.push(ms);
    berth.redisCpu.push(cpu1.own - cpu0.own);
    berth.nodeCpu.push(ownCpuSeconds() - node0);
    berth.uncompressedBytes = uncompressed;
    log(`  Berth backup ${round + 1}/${ROUNDS}: ${secs(ms)}, ${MiB(uncompressed)} → ${MiB(statSync(artifactFile).size)} gzip, CPU: redis ${berth.redisCpu.at(-1).toFixed(2)} s, node (incl. gzip) ${berth.nodeCpu.at(-1).toFixed(2)} s`);
  }

  log("backups: raw redis-cli --rdb to a file, then Berth (gzip -1 to a file)");
  for (let round = 0; round < ROUNDS; round++) {
    await rawBackup(round);
    await berthBackup(round);
  }

  // Restore into an empty database: FLUSHALL, then the artifact back through gunzip.
  log("restore into an empty database (for information)");
  await cli(port, "FLUSHALL");
  const restoreCpu0 = cpuSeconds(server.pid);
  const node0 = ownCpuSeconds();
  const rss0 = process.memoryUsage().rss;
  let peakRss = rss0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  const source = createReadStream(artifactFile).pipe(createGunzip({ chunkSize: 256 * 1024 }));
  await redisProvider.restore({ kind: "redis", connectionUrl, metadata, source, format: REDIS_FORMAT, signal });
  const restoreMs = performance.now() - t0;
  clearInterval(rssTimer);
  const restoreRedisCpu = cpuSeconds(server.pid).own - restoreCpu0.own;
  const restoreNodeCpu = ownCpuSeconds() - node0;
  const restoredKeys = await dbsize(port);
  const restoredExpires = Number(/expires=(\d+)/.exec((await infoField(port, "keyspace", "db0")) ?? "")?.[1] ?? 0);
  if (restoredKeys !== KEYS) throw new Error(`restore brought back ${restoredKeys} keys, expected ${KEYS}`);
  if (restoredExpires !== shape.withTtl) throw new Error(`restore brought back ${restoredExpires} keys with a TTL, expected ${shape.withTtl}`);
  const sample = await cli(port, "HGET", `${metadata.keyPrefix}key:40`, "email");
  if (sample !== "user40@example.com") throw new Error("a restored hash differs");
  log(`  Berth restore: ${secs(restoreMs)}, ${restoredKeys.toLocaleString("en")} keys (${restoredExpires.toLocaleString("en")} with a TTL), CPU: redis ${restoreRedisCpu.toFixed(2)} s, node ${restoreNodeCpu.toFixed(2)} s, node RSS +${MiB(peakRss - rss0)} peak`);

  // Reference: a fresh redis-server loading the raw RDB file at start.
  const loaderPort = await freePort();
  const loadStarted = performance.now();
  loader = startRedis(loaderPort, scratch, ["--dbfilename", "raw.rdb"]);
  await waitReady(loaderPort, loader);
  while ((await infoField(loaderPort, "persistence", "loading")) !== "0") await new Promise((resolve) => setTimeout(resolve, 10));
  const rdbLoadMs = performance.now() - loadStarted;
  await stopRedis(loader);
  log(`  reference: redis-server start loading the RDB file: ${secs(rdbLoadMs)}`);

  const backupMs = best(berth.ms);
  const rawMs = best(raw.ms);
  const ratio = backupMs / rawMs;
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results = {
    backup: {
      rawMs,
      berthMs: backupMs,
      ratio,
      target: TARGETS.backupRatio,
      rawRuns: raw.ms,
      berthRuns: berth.ms,
      rawRedisCpuSeconds: raw.redisCpu,
      berthRedisCpuSeconds: berth.redisCpu,
      berthNodeCpuSeconds: berth.nodeCpu,
    },
    restore: {
      berthMs: restoreMs,
      rdbLoadAtStartMs: rdbLoadMs,
      redisCpuSeconds: restoreRedisCpu,
      nodeCpuSeconds: restoreNodeCpu,
      nodePeakRssGrowthBytes: peakRss - rss0,
    },
  };
  console.log(`\nredis backup ${KEYS >= 1e6 && KEYS % 1e6 === 0 ? `${KEYS / 1e6}M` : KEYS.toLocaleString("en")} keys: berth ${secs(backupMs)}, redis-cli --rdb ${secs(rawMs)}, ratio ${ratio.toFixed(2)} (target ≤ ${TARGETS.backupRatio}×) ${ratio <= TARGETS.backupRatio ? "ok" : "MISSED"}`);
  console.log(`${ROUNDS === 1 ? "one run each" : `best of ${ROUNDS} interleaved runs each`}; all runs: raw ${raw.ms.map(secs).join(", ")}; Berth ${berth.ms.map(secs).join(", ")}`);
  console.log(`CPU (median per run): redis-cli --rdb: redis ${median(raw.redisCpu).toFixed(2)} s (mostly its fork) | Berth: redis main thread ${median(berth.redisCpu).toFixed(2)} s + node ${median(berth.nodeCpu).toFixed(2)} s (incl. gzip)`);
  console.log(`restore into an empty database: Berth ${secs(restoreMs)} (redis ${restoreRedisCpu.toFixed(2)} s CPU); reference: redis-server loading the RDB at start ${secs(rdbLoadMs)}`);
  console.log(`sizes: RDB ${MiB(statSync(rdbFile).size)}, Berth artifact ${MiB(berth.uncompressedBytes)} uncompressed, ${MiB(statSync(artifactFile).size)} gzip -1`);

  mkdirSync(`${root}test/bench/results`, { recursive: true });
  const out = `${root}test/bench/results/redis.json`;
  writeFileSync(
    out,
    JSON.stringify(
      {
        when: new Date().toISOString(),
        redisVersion: version,
        keys: KEYS,
        rounds: ROUNDS,
        dataset: { keys: KEYS, hashes: shape.hashes, withTtl: shape.withTtl, usedMemoryBytes: usedMemory, fillMs },
        targets: TARGETS,
        results,
        sizes: { rdbBytes: statSync(rdbFile).size, berthUncompressedBytes: berth.uncompressedBytes, berthGzipBytes: statSync(artifactFile).size },
        totalMs: performance.now() - started,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${out}`);
} finally {
  await stopRedis(loader);
  await stopRedis(server);
  rmSync(scratch, { recursive: true, force: true });
}
