// pnpm bench:mysql (or node test/bench/mysql.mjs after `pnpm -s build`): Berth's native
// MySQL/MariaDB backup against plain `mariadb-dump` with the provider's own options (DUMP_OPTIONS
// plus --events) to a file, measured in the same run on the same scratch database of
// BENCH_MYSQL_MB (default 300 MiB).
//
// The scratch database and its user are made with the provider's realize (and dropped with its
// release at the end). The Berth side is the real thing: a `berth serve` process (the backup
// service), to which the database is imported as a dependency through the API (Berth then holds
// its URL, so its backups are native), and CreateBackup → WatchBackup until succeeded; the time is
// from the call to `succeeded`. It runs twice per round, on two servers: one with the default
// artifact compression (gzip level 1) and one with `backupCompression: none`. Also timed each
// round, as a diagnostic: the plain dump piped through Node's gzip level 1 (what the default
// pipeline's compression costs without Berth). Rounds follow one untimed warm-up dump, their order
// rotated each round; figures are medians over BENCH_MYSQL_ROUNDS (default 3). Then, for
// information, RestoreBackup of each variant into the same database (and, as a reference, the
// plain dump loaded with the `mariadb` client). Prints a table, writes test/bench/results/mysql.json.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, createWriteStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { performance } from "node:perf_hooks";
import { createGzip } from "node:zlib";
import { createConnection } from "mysql2/promise";
import { DUMP_OPTIONS, mysqlProvider } from "@berth/provider-mysql";
import { addVariantRatios, compressionVariants, startBerth } from "./lib/berth.mjs";
import { MiB, cpuSeconds, cpuSecondsOrNaN, envInt, loadText, logger, machine, median, rotate, secs as seconds, writeResults } from "./lib/measure.mjs";

const ADMIN = process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/";
const MB = envInt("BENCH_MYSQL_MB", 300);
const ROUNDS = envInt("BENCH_MYSQL_ROUNDS", 3);
const RESTORE_ROUNDS = envInt("BENCH_MYSQL_RESTORE_ROUNDS", 1);
const TARGET_BYTES = Math.round(MB * 1024 ** 2);
const BATCH_ROWS = 250_000;
const ACCOUNTS = 100_000;
const TARGETS = { backupRatio: 1.1 };
const VARIANTS = compressionVariants();

const secs = (ms) => seconds(ms, 2);
const log = logger("mysql bench");

function endpointOf(url) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}

async function query(url, text, params) {
  const e = endpointOf(url);
  const connection = await createConnection({ host: e.host, port: e.port, user: e.user, password: e.password, database: e.database || undefined, multipleStatements: true });
  try {
    return (await connection.query(text, params))[0];
  } finally {
    await connection.end();
  }
}

/** The mariadbd process when the server runs on this machine (for CPU figures only). */
async function serverPid() {
  try {
    const [{ file }] = await query(ADMIN, "SELECT @@pid_file AS file");
    const path = file.startsWith("/") ? file : (await query(ADMIN, "SELECT @@datadir AS d"))[0].d + file;
    return Number(readFileSync(path, "utf8").trim());
  } catch {
    return undefined;
  }
}

/** A client tool with the option file; stdin/stdout as given; resolves when it exits 0. */
function tool(name, args, stdio) {
  const child = spawn(name, args, { stdio: [...stdio, "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const done = new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}: ${stderr}`))));
  });
  return { child, done };
}

/** Plain mariadb-dump with the provider's options; stdout to `output` (a file descriptor or "pipe"). */
const dump = (optionFile, database, output) => tool("mariadb-dump", [`--defaults-file=${optionFile}`, ...DUMP_OPTIONS, "--events", "--", database], ["ignore", output]);

const suffix = randomBytes(4).toString("hex");
const dependencyId = `dep_bench${suffix}`;
const target = { name: "bench", kind: "mysql", adminUrl: ADMIN };
const signal = new AbortController().signal;
const scratch = mkdtempSync(join(tmpdir(), "berth-bench-mysql-"));
const started = performance.now();
const servers = [];
let realized;
try {
  // 1. The scratch database and its user.
  realized = await mysqlProvider.realize({ dependencyId, name: "bench", kind: "mysql", target, signal });
  const url = realized.connectionUrl.replace(`@${new URL(realized.connectionUrl).host}`, `@${new URL(ADMIN).host}`);
  const { database } = realized.metadata;
  log(`scratch database ${database}; filling it to ≥ ${MiB(TARGET_BYTES)}`);

  // 2. Fill it with INSERT … SELECT from MariaDB's sequence tables: accounts, events (most of the
  //    bytes: ~100 characters of hex payload per row, two secondary indexes) and documents (longer,
  //    compressible text).
  const e = endpointOf(url);
  const fill = await createConnection({ host: e.host, port: e.port, user: e.user, password: e.password, database, multipleStatements: true });
  const fillStarted = performance.now();
  await fill.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, email varchar(120) NOT NULL, name varchar(80) NOT NULL, region varchar(16) NOT NULL, created_at datetime NOT NULL, KEY accounts_region (region));
    INSERT INTO accounts SELECT seq, CONCAT('user', seq, '@example.com'), CONCAT('Account ', seq), ELT(1 + seq % 4, 'eu-west', 'us-east', 'ap-south', 'sa-east'), NOW() - INTERVAL seq MINUTE FROM seq_1_to_${ACCOUNTS};
    CREATE TABLE documents (id int PRIMARY KEY, account_id int NOT NULL, title varchar(200) NOT NULL, body mediumtext NOT NULL);
    INSERT INTO documents SELECT seq, 1 + seq % ${ACCOUNTS}, CONCAT('Document ', seq), REPEAT(CONCAT('Paragraph about item ', seq, ' with notes ', MD5(seq), '. '), 20) FROM seq_1_to_20000;
    CREATE TABLE events (id bigint AUTO_INCREMENT PRIMARY KEY, account_id int NOT NULL, kind varchar(16) NOT NULL, created_at datetime(3) NOT NULL, amount decimal(12,2) NOT NULL, payload varchar(255) NOT NULL,
      KEY events_account_created (account_id, created_at), KEY events_kind (kind));`);
  const sizeOf = async () => Number((await fill.query("SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS s FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"))[0][0].s);
  let rows = 0;
  let size = await sizeOf();
  while (size < TARGET_BYTES) {
    const batchStarted = performance.now();
    await fill.query(`
      INSERT INTO events (account_id, kind, created_at, amount, payload)
      SELECT 1 + FLOOR(RAND() * ${ACCOUNTS}), ELT(1 + FLOOR(RAND() * 5), 'view', 'click', 'purchase', 'signup', 'logout'), NOW(3) - INTERVAL FLOOR(RAND() * 31536000) SECOND,
             ROUND(RAND() * 1000, 2), CONCAT(MD5(RAND()), MD5(RAND()), MD5(RAND()), LEFT(MD5(RAND()), 4))
      FROM seq_1_to_${BATCH_ROWS}`);
    rows += BATCH_ROWS;
    await fill.query("ANALYZE TABLE events");
    size = await sizeOf();
    log(`  ${rows.toLocaleString("en")} events, ${MiB(size)} (${(Math.min(1, size / TARGET_BYTES) * 100).toFixed(0)}%), batch ${secs(performance.now() - batchStarted)}`);
  }
  await fill.query("ANALYZE TABLE accounts, documents, events");
  const tables = (await fill.query("SELECT TABLE_NAME AS name, DATA_LENGTH + INDEX_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 2 DESC"))[0];
  await fill.end();
  const databaseSize = tables.reduce((sum, t) => sum + Number(t.bytes), 0);
  const fillMs = performance.now() - fillStarted;
  // What a restore must bring back exactly.
  const fingerprint = async () =>
    JSON.stringify(
      (await query(url, "SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT SUM(amount) FROM events) AS amount, (SELECT MAX(id) FROM events) AS maxId, (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM documents) AS documents, (SELECT SUM(LENGTH(body)) FROM documents) AS body"))[0],
    );
  const original = await fingerprint();
  const counts = JSON.parse(original);
  log(`filled: ${Number(counts.events).toLocaleString("en")} events, ${counts.accounts} accounts, ${counts.documents} documents; ${MiB(databaseSize)} in ${secs(fillMs)}`);

  // 3. The option file the plain runs use (the provider writes its own, the same way).
  const optionFile = join(scratch, "client.cnf");
  const quote = (v) => `"${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  writeFileSync(optionFile, `[client]\nhost=${quote(e.host)}\nport=${e.port}\nuser=${quote(e.user)}\npassword=${quote(e.password)}\nprotocol=TCP\n`, { mode: 0o600 });
  const mariadbd = await serverPid();

  // 4. Two Berth servers, each with the database imported as a dependency.
  for (const variant of VARIANTS) {
    const server = await startBerth(variant.config, { log });
    servers.push(server);
    const dependency = await server.importDependency({ kind: "mysql", name: "db", connectionUrl: url });
    variant.server = server;
    variant.dependencyId = dependency.id;
    log(`${variant.label}: berth serve on ${server.address} (pid ${server.pid}), imported ${dependency.id}`);
  }

  const rawFile = join(scratch, "raw.sql");
  const rawGzipFile = join(scratch, "raw.sql.gz");
  const plain = async () => {
    const fd = openSync(rawFile, "w");
    try {
      await dump(optionFile, database, fd).done;
    } finally {
      closeSync(fd);
    }
  };

  /** Wall time of fn, and the CPU seconds this process's children (mariadb-dump) and the server spent. */
  async function measured(fn) {
    const children0 = cpuSeconds(process.pid).children;
    const server0 = mariadbd ? cpuSecondsOrNaN(mariadbd).own : NaN;
    const own0 = process.cpuUsage();
    const t0 = performance.now();
    const result = (await fn()) ?? {};
    const ms = performance.now() - t0;
    const own = process.cpuUsage(own0);
    return { ms, ...result, dumpToolCpuSeconds: cpuSeconds(process.pid).children - children0, nodeCpuSeconds: (own.user + own.system) / 1e6, mariadbdCpuSeconds: mariadbd ? cpuSecondsOrNaN(mariadbd).own - server0 : null };
  }

  const lastBackup = {};
  const order = [
    ["raw", async () => ({ ...(await measured(plain)), bytes: statSync(rawFile).size })],
    [
      "rawGzip",
      async () => {
        const run = await measured(async () => {
          const { child, done } = dump(optionFile, database, "pipe");
          await Promise.all([done, pipeline(child.stdout, createGzip({ level: 1 }), createWriteStream(rawGzipFile))]);
        });
        return { ...run, bytes: statSync(rawGzipFile).size };
      },
    ],
    ...VARIANTS.map((variant) => [
      variant.name,
      async () => {
        const server0 = mariadbd ? cpuSecondsOrNaN(mariadbd).own : NaN;
        const run = await variant.server.backup(variant.dependencyId);
        lastBackup[variant.name] = run.backup;
        const mariadbdCpuSeconds = mariadbd ? cpuSecondsOrNaN(mariadbd).own - server0 : null;
        // The server ran mariadb-dump (its reaped child) and did the rest (gzip, sealing, writing) itself.
        return { ms: run.ms, jobMs: run.jobMs, bytes: Number(run.backup.sizeBytes), dumpToolCpuSeconds: run.usage.toolCpuSeconds, serverCpuSeconds: run.usage.serverCpuSeconds, mariadbdCpuSeconds, peakRssBytes: run.usage.peakRssBytes };
      },
    ]),
  ];
  const label = { raw: "raw mariadb-dump > file", rawGzip: "raw | Node gzip -1 (diagnostic)", ...Object.fromEntries(VARIANTS.map((v) => [v.name, v.label])) };
  const runs = Object.fromEntries(order.map(([name]) => [name, []]));

  log("warm-up: one untimed plain dump (page cache and buffer pool start equal for every timed run)");
  await plain();
  const machineBefore = machine();
  log(`backups: ${ROUNDS} rounds, order rotated per round; ${loadText(machineBefore)}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of rotate(order, round)) {
      const run = await fn();
      runs[name].push(run);
      const job = run.jobMs === undefined ? "" : ` (job ${secs(run.jobMs)})`;
      const cpu = `mariadb-dump ${run.dumpToolCpuSeconds.toFixed(1)} s, ${run.serverCpuSeconds === undefined ? `node ${run.nodeCpuSeconds.toFixed(1)} s` : `Berth server ${run.serverCpuSeconds.toFixed(1)} s`}${run.mariadbdCpuSeconds === null ? "" : `, mariadbd ${run.mariadbdCpuSeconds.toFixed(1)} s`}`;
      log(`  ${label[name].padEnd(31)} ${round + 1}/${ROUNDS}: ${secs(run.ms)}${job}, ${MiB(run.bytes)}, CPU: ${cpu}`);
    }
  }
  const machineAfter = machine();
  const rawBytes = statSync(rawFile).size;

  // 5. Restores (for information), after the backups (a restore rewrites every table): the plain
  //    dump loaded with the mariadb client as a reference, then each variant's last backup through
  //    Berth, each after a change it must undo (a table dropped, a row added).
  log("restores into the same database (for information)");
  const damage = () => query(url, "DROP TABLE documents; INSERT INTO events (account_id, kind, created_at, amount, payload) VALUES (1, 'extra', NOW(), 1, 'not in the backup')");
  const restores = { rawLoad: [], berthGzip: [], berthNone: [] };
  for (let round = 0; round < RESTORE_ROUNDS; round++) {
    await damage();
    const fd = openSync(rawFile, "r");
    try {
      restores.rawLoad.push(await measured(() => tool("mariadb", [`--defaults-file=${optionFile}`, "--max-allowed-packet=1073741824", database], [fd, "ignore"]).done));
    } finally {
      closeSync(fd);
    }
    if ((await fingerprint()) !== original) throw new Error("the plain load did not bring the data back");
    log(`  ${"raw mariadb < dump".padEnd(31)} ${round + 1}/${RESTORE_ROUNDS}: ${secs(restores.rawLoad.at(-1).ms)}`);
    for (const variant of VARIANTS) {
      await damage();
      const run = await variant.server.restore(lastBackup[variant.name].id);
      const restored = await fingerprint();
      if (restored !== original) throw new Error(`restored data differs: ${restored} vs ${original}`);
      restores[variant.name].push({ ms: run.ms, jobMs: run.jobMs, toolCpuSeconds: run.usage.toolCpuSeconds, serverCpuSeconds: run.usage.serverCpuSeconds, peakRssBytes: run.usage.peakRssBytes });
      log(`  ${variant.label.padEnd(31)} ${round + 1}/${RESTORE_ROUNDS}: ${secs(run.ms)} (job ${secs(run.jobMs)}), CPU: mariadb client ${run.usage.toolCpuSeconds.toFixed(1)} s, Berth server ${run.usage.serverCpuSeconds.toFixed(1)} s, server peak RSS ${MiB(run.usage.peakRssBytes)}`);
    }
  }

  // Medians per variant.
  const summary = (list) => {
    const of = (key) => (list.length && list[0][key] !== undefined && list[0][key] !== null ? median(list.map((r) => r[key])) : undefined);
    const out = { medianMs: of("ms"), medianJobMs: of("jobMs"), bytes: list.at(-1)?.bytes, cpuSeconds: { mariadbDump: of("dumpToolCpuSeconds"), berthServer: of("serverCpuSeconds"), node: of("nodeCpuSeconds"), mariadbd: of("mariadbdCpuSeconds") } };
    if (list.length && list[0].peakRssBytes !== undefined) out.peakRssBytes = Math.max(...list.map((r) => r.peakRssBytes));
    return { ...out, runs: list };
  };
  const backups = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, summary(list)]));
  const rawMs = backups.raw.medianMs;
  backups.rawGzip.ratio = backups.rawGzip.medianMs / rawMs;
  addVariantRatios(backups, VARIANTS, rawMs);
  backups.berthGzip.ratioVsRawGzip = backups.berthGzip.medianMs / backups.rawGzip.medianMs;
  const restoreSummary = Object.fromEntries(Object.entries(restores).map(([name, list]) => [name, summary(list)]));

  const pass = (ok) => (ok ? "ok" : "MISSED");
  const [version] = await query(ADMIN, "SELECT VERSION() AS v");
  console.log(`\nBackup of a MySQL database on ${version.v}, imported into Berth: ${MiB(databaseSize)} (${Number(counts.events).toLocaleString("en")} events, ${counts.accounts} accounts, ${counts.documents} documents; filled in ${secs(fillMs)})`);
  console.log(`raw = mariadb-dump ${DUMP_OPTIONS.join(" ")} --events > file; Berth = berth serve, CreateBackup → WatchBackup reports succeeded (job = the backup's own durationMs)`);
  console.log(`median of ${ROUNDS} interleaved runs each (order rotated per round), after one untimed warm-up dump; machine: ${loadText(machineBefore)} before, ${loadText(machineAfter)} after\n`);
  console.log("backup                            median    ratio   job time  job ratio    output  CPU (median): mariadb-dump / Berth server or node / mariadbd  all runs");
  for (const name of Object.keys(runs)) {
    const b = backups[name];
    const ratio = name === "raw" ? "    —" : `${b.ratio.toFixed(2)}×`;
    const job = b.medianJobMs === undefined ? "       —" : secs(b.medianJobMs).padStart(8);
    const jobRatio = b.jobRatio === undefined ? "        —" : `${b.jobRatio.toFixed(2)}×`.padStart(9);
    const c = b.cpuSeconds;
    const cpu = `${c.mariadbDump.toFixed(1)} / ${(c.berthServer ?? c.node).toFixed(1)} / ${c.mariadbd === undefined ? "—" : c.mariadbd.toFixed(1)} s`;
    console.log(`${label[name].padEnd(32)}  ${secs(b.medianMs).padStart(7)}  ${ratio.padStart(6)}  ${job}  ${jobRatio}  ${MiB(b.bytes).padStart(9)}  ${cpu.padStart(60)}  ${b.runs.map((r) => secs(r.ms)).join(", ")}`);
  }
  for (const variant of VARIANTS) {
    const b = backups[variant.name];
    const head = variant.config.backupCompression === undefined ? `Berth ÷ raw (${variant.short})` : `(${variant.short})`;
    console.log(`${head}: ${b.ratio.toFixed(2)}×  (target ≤ ${TARGETS.backupRatio.toFixed(2)}×) ${pass(b.ratio <= TARGETS.backupRatio)}; job time ÷ raw ${b.jobRatio.toFixed(2)}×`);
  }
  console.log(`the Berth server's default is gzip level 1; backupCompression: none is the operator option that seals artifacts without gzip`);
  console.log(`diagnostic: Berth (default gzip) ÷ (raw | Node gzip -1) = ${backups.berthGzip.ratioVsRawGzip.toFixed(2)}× (the gzip alone costs raw ${backups.rawGzip.ratio.toFixed(2)}×)`);
  const restoreLine = (name) => `${secs(restoreSummary[name].medianMs)}${restoreSummary[name].medianJobMs === undefined ? "" : ` (job ${secs(restoreSummary[name].medianJobMs)})`}`;
  console.log(`\nrestore into the same database (for information; ${RESTORE_ROUNDS === 1 ? "one run" : `median of ${RESTORE_ROUNDS}`}): ${VARIANTS.map((v) => `Berth ${v.short} ${restoreLine(v.name)}`).join("; ")}; reference: mariadb < plain dump ${restoreLine("rawLoad")}`);
  const sizes = { databaseBytes: databaseSize, rawDumpBytes: rawBytes, rawGzipBytes: backups.rawGzip.bytes, berthGzipArtifactBytes: backups.berthGzip.bytes, berthNoneArtifactBytes: backups.berthNone.bytes };
  console.log(`sizes: database ${MiB(sizes.databaseBytes)}, plain dump ${MiB(sizes.rawDumpBytes)}, plain dump | gzip -1 ${MiB(sizes.rawGzipBytes)}, Berth artifact ${MiB(sizes.berthGzipArtifactBytes)} (gzip -1, sealed) / ${MiB(sizes.berthNoneArtifactBytes)} (none, sealed: ${(sizes.berthNoneArtifactBytes - rawBytes).toLocaleString("en")} bytes more than the plain dump); Berth server peak RSS ${MiB(Math.max(backups.berthGzip.peakRssBytes, backups.berthNone.peakRssBytes))} during backups`);

  const out = writeResults("mysql", {
    when: new Date().toISOString(),
    server: version.v,
    requestedMb: MB,
    rounds: ROUNDS,
    statistic: "median",
    headline: "ratio = Berth (berth serve: CreateBackup → WatchBackup succeeded, imported dependency) ÷ plain mariadb-dump to a file",
    defaultCompression: "gzip",
    dumpOptions: [...DUMP_OPTIONS, "--events"],
    database: { sizeBytes: databaseSize, rows: { events: Number(counts.events), accounts: Number(counts.accounts), documents: Number(counts.documents) }, tables: tables.map((t) => ({ name: t.name, bytes: Number(t.bytes) })), fillMs },
    targets: TARGETS,
    headlineRatios: { defaultGzip: backups.berthGzip.ratio, compressionNone: backups.berthNone.ratio },
    backup: backups,
    restore: restoreSummary,
    sizes,
    machine: { before: machineBefore, after: machineAfter },
    totalMs: performance.now() - started,
  });
  console.log(`\nwrote ${out}`);
} finally {
  for (const server of servers) await server.stop();
  if (realized || dependencyId) await mysqlProvider.release({ dependencyId, kind: "mysql", target, metadata: realized?.metadata ?? {}, signal }).catch((error) => log(`release ${dependencyId}: ${error.message}`));
  rmSync(scratch, { recursive: true, force: true });
}
