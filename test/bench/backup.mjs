// pnpm bench (after run.mjs) / pnpm bench:backup: Berth's native Postgres backup and in-place
// restore of a managed dependency filled to BENCH_BACKUP_GB (default 1), against plain
// `pg_dump -Fc` to a file and `pg_restore … --single-transaction` from it, measured in the same
// run on the same database. Also samples the Berth server's RSS (jobs run inside it) every
// 100 ms during each job. Prints a table, writes test/bench/results/backup.json.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { POSTGRES, startBerth } from "./lib/berth.mjs";
import { GiB, MiB, best, cpuSeconds, logger, median, secs, writeResults } from "./lib/measure.mjs";

const GB = Number(process.env.BENCH_BACKUP_GB ?? 1);
// Interleaved rounds (raw, Berth, raw, Berth …); each side is its best run, which is the most
// repeatable figure on a small machine that other work shares.
const ROUNDS = Math.max(1, Number(process.env.BENCH_BACKUP_ROUNDS ?? 2));
const TARGET_BYTES = Math.round(GB * 1024 ** 3);
const BATCH_ROWS = 250_000;
const TARGETS = { backupRatio: 1.1, restoreRatio: 1.1, workerRssBytes: 200 * 1024 * 1024 }; // RSS limit: 200 MiB
const log = logger("backup bench");

/** The URL without its password, and the password as PGPASSWORD: never on a command line. */
function pgTarget(connectionUrl) {
  const url = new URL(connectionUrl);
  const password = decodeURIComponent(url.password);
  url.password = "";
  return { url: url.toString(), env: { ...process.env, PGPASSWORD: password } };
}

/** Runs a pg tool to completion; resolves with its wall time (ms) and CPU (s), rejects with its stderr. */
function timeTool(tool, args, connectionUrl) {
  const { url, env } = pgTarget(connectionUrl);
  const started = performance.now();
  const cpu0 = cpuSeconds(process.pid).children;
  const child = spawn(tool, [...args, "-d", url], { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve({ ms: performance.now() - started, toolCpuSeconds: cpuSeconds(process.pid).children - cpu0 }) : reject(new Error(`${tool} exited with ${code}: ${stderr}`))));
  });
}

async function sql(url, text, params) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function sha256File(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

const scratchDir = mkdtempSync(join(tmpdir(), "berth-bench-dump-"));

let server;
let dependencyId = "";
const started = performance.now();
try {
  server = await startBerth({ targets: [{ name: "main", kind: "postgres", adminUrl: POSTGRES }] }, { log });
  const { client, internal } = server;

  // 1. A managed Postgres dependency on the `main` target.
  const { dependency } = await client.dependency.provisionDependency({ requestId: server.requestId("p"), projectId: "prj_bench", environmentId: "env_bench", name: "db", kind: "postgres", realizationTarget: "main", deletionProtection: false });
  dependencyId = dependency.id;
  server.dependencyIds.push(dependencyId); // server.stop() deletes it after its backups: its database and role are dropped
  for await (const update of client.dependency.watchDependency({ id: dependencyId, untilSettled: true }, { timeoutMs: 120_000 })) void update;
  const { dependency: ready } = await client.dependency.getDependency({ id: dependencyId });
  const url = (await internal.dependencyInternal.resolveConnectionSecret({ secretRef: ready.connectionSecretRef, purpose: "bench" })).connectionUrl;
  log(`provisioned ${dependencyId}; filling it to ≥ ${GiB(TARGET_BYTES)}`);

  // 2. Fill it: accounts, and events with ~100-byte random text payloads, two indexes and a foreign key.
  const fill = new pg.Client({ connectionString: url });
  await fill.connect();
  const fillStarted = performance.now();
  await fill.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO accounts SELECT g, 'account ' || g, (ARRAY['eu-west','us-east','ap-south','sa-east'])[1 + g % 4], now() - g * interval '1 minute' FROM generate_series(1, 10000) g;
    CREATE TABLE events (id bigserial PRIMARY KEY, account_id int NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL, payload text NOT NULL);
    CREATE INDEX events_account_created ON events (account_id, created_at);`);
  let size = 0;
  let rows = 0;
  while (size < TARGET_BYTES) {
    const batchStarted = performance.now();
    await fill.query(
      `INSERT INTO events (account_id, kind, created_at, payload)
       SELECT 1 + (random() * 9999)::int, (ARRAY['view','click','purchase','signup','logout'])[1 + (random() * 4)::int], now() - random() * interval '365 days',
              md5(random()::text) || md5(random()::text) || md5(random()::text) || left(md5(random()::text), 4)
       FROM generate_series(1, $1)`,
      [BATCH_ROWS],
    );
    rows += BATCH_ROWS;
    size = Number((await fill.query("SELECT pg_database_size(current_database()) AS s")).rows[0].s);
    log(`  ${rows.toLocaleString("en")} events, ${GiB(size)} (${(Math.min(1, size / TARGET_BYTES) * 100).toFixed(0)}%), batch ${secs(performance.now() - batchStarted)}`);
  }
  await fill.query("ALTER TABLE events ADD CONSTRAINT events_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id)");
  await fill.end();
  // Every timed operation starts from the same state: vacuumed and analyzed (hint bits set, no
  // autovacuum about to start on a freshly restored table and hold up the next --clean), no
  // autovacuum worker running in the database, and a checkpoint (no dirty buffers inherited).
  const settle = async () => {
    await sql(url, "VACUUM (ANALYZE)");
    for (let i = 0; i < 600; i++) {
      const busy = (await sql(POSTGRES, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND datname = $1", [new URL(url).pathname.slice(1)])).rows[0].n;
      if (!busy) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await sql(POSTGRES, "CHECKPOINT");
  };
  await settle();
  const databaseSize = Number((await sql(url, "SELECT pg_database_size(current_database()) AS s")).rows[0].s);
  const tableSizes = (await sql(url, "SELECT relname, pg_total_relation_size(oid) AS bytes FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r','i') ORDER BY 2 DESC")).rows;
  const fillMs = performance.now() - fillStarted;
  log(`filled: ${rows.toLocaleString("en")} events, database ${GiB(databaseSize)} in ${secs(fillMs)}`);
  const fingerprint = async () => (await sql(url, "SELECT count(*) AS n, sum(length(payload)) AS p, max(id) AS m FROM events")).rows[0];
  const original = await fingerprint();

  // 3 + 4. Timed operations: raw first, then Berth, per round, each after settle().
  const dumpFile = join(scratchDir, "raw.dump");
  const raw = { dumpMs: [], restoreMs: [], dumpCpu: [], restoreCpu: [] };
  const berth = { backupMs: [], restoreMs: [], backupServerMs: [], restoreServerMs: [], backupRss: [], restoreRss: [] };
  let lastBackup;

  async function berthBackup(round) {
    await settle();
    const { ms, jobMs, backup: last, usage: rss } = await server.backup(dependencyId);
    berth.backupMs.push(ms);
    berth.backupServerMs.push(jobMs);
    berth.backupRss.push(rss);
    lastBackup = last;
    log(`  Berth backup ${round + 1}/${ROUNDS}: ${secs(ms)} (job ${secs(jobMs)}), artifact ${MiB(Number(last.sizeBytes))}, peak RSS ${MiB(rss.peakRssBytes)}, CPU: server ${rss.serverCpuSeconds.toFixed(1)} s + pg_dump ${rss.toolCpuSeconds.toFixed(1)} s`);
  }

  async function berthRestore(round) {
    await settle();
    const { ms, jobMs, usage: rss } = await server.restore(lastBackup.id);
    berth.restoreMs.push(ms);
    berth.restoreServerMs.push(jobMs);
    berth.restoreRss.push(rss);
    log(`  Berth restore ${round + 1}/${ROUNDS}: ${secs(ms)} (job ${secs(jobMs)}), peak RSS ${MiB(rss.peakRssBytes)}, CPU: server ${rss.serverCpuSeconds.toFixed(1)} s + pg_restore ${rss.toolCpuSeconds.toFixed(1)} s`);
  }

  log("backups: raw pg_dump -Fc to a file, then Berth");
  for (let round = 0; round < ROUNDS; round++) {
    await settle();
    const { ms, toolCpuSeconds } = await timeTool("pg_dump", ["-Fc", "-f", dumpFile], url);
    raw.dumpMs.push(ms);
    raw.dumpCpu.push(toolCpuSeconds);
    log(`  raw pg_dump ${round + 1}/${ROUNDS}: ${secs(ms)}, ${MiB(statSync(dumpFile).size)}, CPU: pg_dump ${toolCpuSeconds.toFixed(1)} s`);
    await berthBackup(round);
  }
  const rawDumpBytes = statSync(dumpFile).size;

  log("restores: raw pg_restore from the file, then Berth");
  for (let round = 0; round < ROUNDS; round++) {
    await settle();
    const { ms, toolCpuSeconds } = await timeTool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", dumpFile], url);
    raw.restoreMs.push(ms);
    raw.restoreCpu.push(toolCpuSeconds);
    log(`  raw pg_restore ${round + 1}/${ROUNDS}: ${secs(ms)}, CPU: pg_restore ${toolCpuSeconds.toFixed(1)} s`);
    await berthRestore(round);
  }
  const restored = await fingerprint();
  if (JSON.stringify(restored) !== JSON.stringify(original)) throw new Error(`restored data differs: ${JSON.stringify(restored)} vs ${JSON.stringify(original)}`);

  // Proven restores (issue 12). Raw baseline: pg_restore of the same dump into an empty database,
  // plus the count queries a drill's comparison needs (one count per table).
  const scratchDb = `berth_bench_scratch_${Date.now().toString(36)}`;
  const scratchUrl = (() => {
    const u = new URL(POSTGRES);
    u.pathname = `/${scratchDb}`;
    return u.toString();
  })();
  const rawIntoEmpty = async (withCounts) => {
    await sql(POSTGRES, `CREATE DATABASE "${scratchDb}"`);
    try {
      const t0 = performance.now();
      await timeTool("pg_restore", ["--no-owner", "--no-privileges", "--single-transaction", dumpFile], scratchUrl);
      if (withCounts) for (const table of ["accounts", "events"]) await sql(scratchUrl, `SELECT count(*) FROM ${table}`);
      return performance.now() - t0;
    } finally {
      await sql(POSTGRES, `DROP DATABASE IF EXISTS "${scratchDb}" WITH (FORCE)`);
    }
  };
  log("proven restores: raw pg_restore into an empty database (+ counts), then Berth drill, --to-new and an in-place restore with its safety backup");
  await settle();
  const rawDrillMs = await rawIntoEmpty(true);
  log(`  raw pg_restore into an empty database + counts: ${secs(rawDrillMs)}`);
  await settle();
  const drill = await server.verify(lastBackup.id);
  log(`  Berth drill: ${secs(drill.ms)} (job ${secs(drill.jobMs)}), ${drill.drill.checks.length} checks`);
  await settle();
  const rawToNewMs = await rawIntoEmpty(false);
  log(`  raw pg_restore into an empty database: ${secs(rawToNewMs)}`);
  await settle();
  const toNew = await server.restore(lastBackup.id, { toNew: "db-copy" });
  log(`  Berth restore --to-new: ${secs(toNew.ms)}`);
  await settle();
  const withSafety = await server.restore(lastBackup.id, { safetyBackup: true });
  log(`  Berth in-place restore with safety backup: ${secs(withSafety.ms)} (without: best ${secs(best(berth.restoreMs))})`);
  const proven = {
    drill: { rawMs: rawDrillMs, berthMs: drill.ms, ratio: drill.ms / rawDrillMs, target: 1.15 },
    toNew: { rawMs: rawToNewMs, berthMs: toNew.ms, ratio: toNew.ms / rawToNewMs, target: 1.1 },
    safetyBackup: { restoreWithoutMs: best(berth.restoreMs), restoreWithMs: withSafety.ms, addedMs: withSafety.ms - best(berth.restoreMs) },
  };

  // Diagnostics: the full-file checksum read that precedes every Berth restore, timed alone (page cache warm).
  const artifactPath = join(server.artifactDir, `${lastBackup.id}.artifact`);
  const t0 = performance.now();
  const artifactSha = await sha256File(artifactPath);
  const checksumReadMs = performance.now() - t0;
  if (artifactSha !== lastBackup.sha256) throw new Error("the artifact's sha256 differs from the backup record");

  const backupMs = best(berth.backupMs);
  const restoreMs = best(berth.restoreMs);
  const rawDumpMs = best(raw.dumpMs);
  const rawRestoreMs = best(raw.restoreMs);
  const peak = (list, key) => Math.max(...list.map((r) => r[key]));
  const results = {
    backup: {
      rawMs: rawDumpMs,
      berthMs: backupMs,
      ratio: backupMs / rawDumpMs,
      target: TARGETS.backupRatio,
      peakRssBytes: peak(berth.backupRss, "peakRssBytes"),
      vmHwmBytes: peak(berth.backupRss, "vmHwmBytes"),
      rawRuns: raw.dumpMs,
      rawToolCpuSeconds: raw.dumpCpu,
      berthRuns: berth.backupMs,
      berthJobMs: berth.backupServerMs,
      rss: berth.backupRss,
    },
    restore: {
      rawMs: rawRestoreMs,
      berthMs: restoreMs,
      ratio: restoreMs / rawRestoreMs,
      target: TARGETS.restoreRatio,
      peakRssBytes: peak(berth.restoreRss, "peakRssBytes"),
      vmHwmBytes: peak(berth.restoreRss, "vmHwmBytes"),
      rawRuns: raw.restoreMs,
      rawToolCpuSeconds: raw.restoreCpu,
      berthRuns: berth.restoreMs,
      berthJobMs: berth.restoreServerMs,
      rss: berth.restoreRss,
    },
  };
  const pass = (ok) => (ok ? "ok" : "MISSED");
  console.log(`\nBackup and restore of a managed Postgres dependency: database ${GiB(databaseSize)} (${databaseSize} bytes; ${rows.toLocaleString("en")} event rows, filled in ${secs(fillMs)})`);
  console.log(`raw = pg_dump -Fc -f / pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction from the file; ratio = Berth ÷ raw; ${ROUNDS === 1 ? "one run each" : `best of ${ROUNDS} interleaved runs each`}`);
  console.log(`Berth time is API call → Watch reports succeeded; RSS is the Berth server process (jobs run inside it), sampled every 100 ms; VmHWM ${berth.backupRss[0].vmHwmIsPhasePeak ? "reset at the start of each job" : "is the lifetime peak"}\n`);
  console.log("operation  raw time  Berth time  ratio  target          RSS at start  peak RSS sampled / VmHWM  RSS target");
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(9)}  ${secs(r.rawMs).padStart(8)}  ${secs(r.berthMs).padStart(10)}  ${r.ratio.toFixed(2)}×  ≤ ${r.target.toFixed(2)}× ${pass(r.ratio <= r.target).padEnd(6)}  ${MiB(Math.min(...r.rss.map((x) => x.startRssBytes))).padStart(12)}  ${MiB(r.peakRssBytes).padStart(11)} / ${MiB(r.vmHwmBytes).padStart(10)}  < 200 MiB ${pass(Math.max(r.peakRssBytes, r.vmHwmBytes) < TARGETS.workerRssBytes)}`,
    );
  }
  console.log(`\nproven restores (one run each): drill ${secs(proven.drill.berthMs)} ÷ (pg_restore into an empty database + counts ${secs(proven.drill.rawMs)}) = ${proven.drill.ratio.toFixed(2)}× (target ≤ 1.15×) ${pass(proven.drill.ratio <= 1.15)}`);
  console.log(`  restore --to-new ${secs(proven.toNew.berthMs)} ÷ pg_restore into an empty database ${secs(proven.toNew.rawMs)} = ${proven.toNew.ratio.toFixed(2)}× (target ≤ 1.10×) ${pass(proven.toNew.ratio <= 1.1)}`);
  console.log(`  safety backup before an in-place restore adds ${secs(proven.safetyBackup.addedMs)} (restore ${secs(proven.safetyBackup.restoreWithMs)} with it, ${secs(proven.safetyBackup.restoreWithoutMs)} without)`);
  console.log(`\nsizes: database ${MiB(databaseSize)}, raw pg_dump -Fc file ${MiB(rawDumpBytes)}, Berth artifact ${MiB(Number(lastBackup.sizeBytes))} (gzip, AES-256-GCM sealed)`);
  const runs = (list) => list.map(secs).join(", ");
  console.log(`all runs: raw pg_dump ${runs(raw.dumpMs)}; Berth backup ${runs(berth.backupMs)}; raw pg_restore ${runs(raw.restoreMs)}; Berth restore ${runs(berth.restoreMs)}`);
  const serverCpu = (list) => median(list.map((r) => r.serverCpuSeconds)).toFixed(1);
  const toolCpu = (list) => median(list.map((r) => r.toolCpuSeconds)).toFixed(1);
  console.log(`CPU seconds (median per run; 2 cores): pg_dump alone ${median(raw.dumpCpu).toFixed(1)} | Berth backup: pg_dump ${toolCpu(berth.backupRss)} + Berth server ${serverCpu(berth.backupRss)}; pg_restore alone ${median(raw.restoreCpu).toFixed(1)} | Berth restore: pg_restore ${toolCpu(berth.restoreRss)} + Berth server ${serverCpu(berth.restoreRss)} (Postgres backend CPU not counted)`);
  console.log(`diagnostics: Berth job time (server) backup ${berth.backupServerMs.map(secs).join(", ")}, restore ${berth.restoreServerMs.map(secs).join(", ")}; sha256 read of the artifact alone ${secs(checksumReadMs)}`);

  const out = writeResults("backup", {
    when: new Date().toISOString(),
    requestedGb: GB,
    rounds: ROUNDS,
    database: { sizeBytes: databaseSize, eventRows: rows, tables: tableSizes.map((t) => ({ name: t.relname, bytes: Number(t.bytes) })), fillMs },
    targets: TARGETS,
    results,
    sizes: { rawDumpBytes, berthArtifactBytes: Number(lastBackup.sizeBytes) },
    diagnostics: { artifactChecksumReadMs: checksumReadMs },
    proven,
    totalMs: performance.now() - started,
  });
  console.log(`\nwrote ${out}`);
} finally {
  // Through the API first (backups, then the dependency drops its database and role), then Berth's
  // own database, streams and directories …
  await server?.stop();
  // … then make sure: whatever the API left.
  if (dependencyId) {
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    const name = `berth_${dependencyId.toLowerCase()}`;
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${name}"`);
    await admin.end();
  }
  rmSync(scratchDir, { recursive: true, force: true });
}
