// node test/bench/mysql.mjs (after `pnpm -s build`): Berth's native MySQL/MariaDB backup — the
// provider's `mariadb-dump` stream through gzip level 1 into a file, as the backup service runs
// it — against plain `mariadb-dump` with the same options to a file, measured in the same run on
// the same scratch database of BENCH_MYSQL_MB (default 300 MiB). Also times the plain dump piped
// through the same gzip level 1, which isolates the provider's own overhead. Prints a table,
// writes test/bench/results/mysql.json, releases (drops) the scratch database.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createGunzip, createGzip } from "node:zlib";
import { createConnection } from "mysql2/promise";
import { DUMP_OPTIONS, mysqlProvider } from "../../providers/mysql/dist/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const ADMIN = process.env.BERTH_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/";
const MB = Number(process.env.BENCH_MYSQL_MB ?? 300);
const ROUNDS = Math.max(1, Number(process.env.BENCH_MYSQL_ROUNDS ?? 3));
const TARGET_BYTES = Math.round(MB * 1024 ** 2);
const BATCH_ROWS = 250_000;
const ACCOUNTS = 100_000;
const TARGETS = { backupRatio: 1.1 };
// Berth's backup service compresses with gzip level 1 (services/backup/src/domain/backups.ts).
const GZIP = { level: 1 };

const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const log = (line) => console.log(`[mysql bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

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
  const connection = await createConnection({ host: e.host, port: e.port, user: e.user, password: e.password, database: e.database || undefined });
  try {
    return (await connection.query(text, params))[0];
  } finally {
    await connection.end();
  }
}

/** CPU seconds (user + system) of a process from /proc, or of this process's reaped children. */
function cpuOf(pid, which = "own") {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const tick = (i) => Number(fields[i - 3]) / 100; // fields numbered from 1; 3 is the first after "comm) "; USER_HZ 100
    return which === "own" ? tick(14) + tick(15) : tick(16) + tick(17);
  } catch {
    return NaN; // a remote server: its CPU is not ours to read
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

/** Runs `fn`, returning its wall time and the CPU seconds this process, its children and the server spent. */
async function measure(fn, mariadbdPid) {
  const own0 = process.cpuUsage();
  const children0 = cpuOf(process.pid, "children");
  const server0 = mariadbdPid ? cpuOf(mariadbdPid) : NaN;
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const own = process.cpuUsage(own0);
  return {
    ms,
    cpu: {
      nodeSeconds: (own.user + own.system) / 1e6,
      dumpToolSeconds: cpuOf(process.pid, "children") - children0,
      serverSeconds: mariadbdPid ? cpuOf(mariadbdPid) - server0 : null,
    },
  };
}

/** Plain mariadb-dump with the provider's options; stdout to `output` (a file descriptor or "pipe"). */
function dump(optionFile, database, output) {
  const child = spawn("mariadb-dump", [`--defaults-file=${optionFile}`, ...DUMP_OPTIONS, "--events", "--", database], { stdio: ["ignore", output, "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const done = new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`mariadb-dump exited with ${code}: ${stderr}`))));
  });
  return { child, done };
}

async function gunzippedBytes(path) {
  let bytes = 0;
  const counter = new PassThrough();
  counter.on("data", (chunk) => (bytes += chunk.length));
  await pipeline(createReadStream(path), createGunzip(), counter);
  return bytes;
}

const suffix = randomBytes(4).toString("hex");
const dependencyId = `dep_bench${suffix}`;
const target = { name: "bench", kind: "mysql", adminUrl: ADMIN };
const signal = new AbortController().signal;
const scratch = mkdtempSync(join(tmpdir(), "berth-bench-mysql-"));
const started = performance.now();
let realized;
try {
  // 1. A managed dependency: the scratch database and its user.
  realized = await mysqlProvider.realize({ dependencyId, name: "bench", kind: "mysql", target, signal });
  const url = realized.connectionUrl.replace(`@${new URL(realized.connectionUrl).host}`, `@${new URL(ADMIN).host}`);
  const { database } = realized.metadata;
  log(`realized ${database}; filling it to ≥ ${MiB(TARGET_BYTES)}`);

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
  const [[counts]] = await fill.query("SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM documents) AS documents");
  await fill.end();
  const databaseSize = tables.reduce((sum, t) => sum + Number(t.bytes), 0);
  const fillMs = performance.now() - fillStarted;
  log(`filled: ${Number(counts.events).toLocaleString("en")} events, ${counts.accounts} accounts, ${counts.documents} documents; ${MiB(databaseSize)} in ${secs(fillMs)}`);

  // 3. The option file the plain runs use (the provider writes its own, the same way).
  const optionFile = join(scratch, "client.cnf");
  const quote = (v) => `"${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  writeFileSync(optionFile, `[client]\nhost=${quote(e.host)}\nport=${e.port}\nuser=${quote(e.user)}\npassword=${quote(e.password)}\nprotocol=TCP\n`, { mode: 0o600 });
  const mariadbd = await serverPid();

  const rawFile = join(scratch, "raw.sql");
  const rawGzipFile = join(scratch, "raw.sql.gz");
  const berthFile = join(scratch, "berth.sql.gz");
  const plain = async () => {
    const fd = openSync(rawFile, "w");
    try {
      await dump(optionFile, database, fd).done;
    } finally {
      closeSync(fd);
    }
  };
  const plainGzip = async () => {
    const { child, done } = dump(optionFile, database, "pipe");
    await Promise.all([done, pipeline(child.stdout, createGzip(GZIP), createWriteStream(rawGzipFile))]);
  };
  const berth = async () => {
    // As services/backup runs it: provider → sink (PassThrough) → gzip level 1 → artifact file.
    const sink = new PassThrough();
    const written = pipeline(sink, createGzip(GZIP), createWriteStream(berthFile));
    written.catch(() => undefined);
    await mysqlProvider.backup({ kind: "mysql", connectionUrl: url, metadata: realized.metadata, sink, signal });
    await written;
  };

  const loadBefore = loadavg()[0];
  log("warm-up: one untimed plain dump (page cache and buffer pool start equal for every timed run)");
  await plain();
  const runs = { raw: [], rawGzip: [], berth: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // The order rotates each round, so no variant always runs first (or after the same neighbour).
    const variants = [
      ["raw", plain, rawFile],
      ["rawGzip", plainGzip, rawGzipFile],
      ["berth", berth, berthFile],
    ];
    for (const [name, fn, file] of [...variants.slice(round % 3), ...variants.slice(0, round % 3)]) {
      const result = await measure(fn, mariadbd);
      runs[name].push(result);
      const cpu = result.cpu;
      log(`  ${name.padEnd(7)} ${round + 1}/${ROUNDS}: ${secs(result.ms)}, ${MiB(statSync(file).size)}, CPU: mariadb-dump ${cpu.dumpToolSeconds.toFixed(1)} s, node ${cpu.nodeSeconds.toFixed(1)} s${cpu.serverSeconds === null ? "" : `, mariadbd ${cpu.serverSeconds.toFixed(1)} s`}`);
    }
  }

  const loadAfter = loadavg()[0];
  // Diagnostic: gzip level 1 of the finished plain dump alone (file in page cache). No pipeline
  // that gzips this dump on one core can finish faster.
  const gzipAlone = await measure(() => pipeline(createReadStream(rawFile, { highWaterMark: 256 * 1024 }), createGzip(GZIP), createWriteStream("/dev/null")));
  // The artifact is the same dump: same length once gunzipped (only the dump date line differs, and it has a fixed width).
  const rawBytes = statSync(rawFile).size;
  const berthUncompressed = await gunzippedBytes(berthFile);
  if (Math.abs(berthUncompressed - rawBytes) > 64) throw new Error(`Berth's artifact holds ${berthUncompressed} bytes of dump, the plain dump ${rawBytes}`);

  const ms = (name) => median(runs[name].map((r) => r.ms));
  const cpuMedian = (name, key) => median(runs[name].map((r) => r.cpu[key] ?? NaN));
  const results = {
    rawMs: ms("raw"),
    rawGzipMs: ms("rawGzip"),
    berthMs: ms("berth"),
    ratio: ms("berth") / ms("raw"),
    ratioVsRawGzip: ms("berth") / ms("rawGzip"),
    target: TARGETS.backupRatio,
    runs: Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, list.map((r) => r.ms)])),
    cpuSeconds: Object.fromEntries(
      Object.keys(runs).map((name) => [name, { mariadbDump: cpuMedian(name, "dumpToolSeconds"), node: cpuMedian(name, "nodeSeconds"), mariadbd: mariadbd ? cpuMedian(name, "serverSeconds") : null }]),
    ),
  };
  const pass = (ok) => (ok ? "ok" : "MISSED");
  const [version] = await query(ADMIN, "SELECT VERSION() AS v");
  console.log(`\nBackup of a managed MySQL dependency on ${version.v}: database ${MiB(databaseSize)} (${Number(counts.events).toLocaleString("en")} events, ${counts.accounts} accounts, ${counts.documents} documents; filled in ${secs(fillMs)})`);
  console.log(`options: mariadb-dump ${DUMP_OPTIONS.join(" ")} --events; median of ${ROUNDS} interleaved runs each (order rotated per round), after one untimed warm-up dump`);
  console.log("raw = plain mariadb-dump > file; raw | gzip-1 = the same piped through Node's gzip level 1; Berth = the provider's backup → gzip level 1 → file (as the backup service runs it)\n");
  console.log("run              median    all runs");
  for (const [label, name] of [
    ["raw", "raw"],
    ["raw | gzip-1", "rawGzip"],
    ["Berth", "berth"],
  ])
    console.log(`${label.padEnd(15)}  ${secs(ms(name)).padStart(8)}  ${runs[name].map((r) => secs(r.ms)).join(", ")}`);
  console.log(`\nheadline: Berth ÷ raw = ${results.ratio.toFixed(2)}×  (target ≤ ${TARGETS.backupRatio.toFixed(2)}×) ${pass(results.ratio <= TARGETS.backupRatio)}`);
  console.log(`provider overhead: Berth ÷ (raw | gzip-1) = ${results.ratioVsRawGzip.toFixed(2)}×`);
  const cpuLine = (name) => {
    const c = results.cpuSeconds[name];
    return `mariadb-dump ${c.mariadbDump.toFixed(1)} + node ${c.node.toFixed(1)}${c.mariadbd === null ? "" : ` + mariadbd ${c.mariadbd.toFixed(1)}`}`;
  };
  console.log(`CPU seconds (median; 2 cores shared): raw ${cpuLine("raw")} | raw | gzip-1 ${cpuLine("rawGzip")} | Berth ${cpuLine("berth")}`);
  const sizes = { databaseBytes: databaseSize, rawDumpBytes: rawBytes, rawGzipBytes: statSync(rawGzipFile).size, berthArtifactBytes: statSync(berthFile).size, berthUncompressedBytes: berthUncompressed };
  console.log(`diagnostics: Node gzip level 1 of the plain dump file alone: ${secs(gzipAlone.ms)} wall, ${gzipAlone.cpu.nodeSeconds.toFixed(1)} CPU s (the floor for any run that gzips this dump on one core)`);
  console.log(`machine: ${availableParallelism()} cores, 1-minute load average ${loadBefore.toFixed(1)} before the timed runs and ${loadAfter.toFixed(1)} after (other work shares these cores)`);
  console.log(`sizes: database ${MiB(sizes.databaseBytes)}, plain dump ${MiB(sizes.rawDumpBytes)}, plain dump gzip-1 ${MiB(sizes.rawGzipBytes)}, Berth artifact ${MiB(sizes.berthArtifactBytes)} (gzip-1, not sealed here)`);

  mkdirSync(`${root}test/bench/results`, { recursive: true });
  const out = `${root}test/bench/results/mysql.json`;
  writeFileSync(
    out,
    JSON.stringify(
      {
        when: new Date().toISOString(),
        server: version.v,
        requestedMb: MB,
        rounds: ROUNDS,
        statistic: "median",
        headline: "ratio = Berth (provider backup → gzip level 1 → file) ÷ plain mariadb-dump to a file",
        dumpOptions: [...DUMP_OPTIONS, "--events"],
        database: { sizeBytes: databaseSize, rows: { events: Number(counts.events), accounts: Number(counts.accounts), documents: Number(counts.documents) }, tables: tables.map((t) => ({ name: t.name, bytes: Number(t.bytes) })), fillMs },
        targets: TARGETS,
        results,
        sizes,
        diagnostics: { gzipAloneMs: gzipAlone.ms, gzipAloneCpuSeconds: gzipAlone.cpu.nodeSeconds },
        machine: { cores: availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
        totalMs: performance.now() - started,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${out}`);
} finally {
  if (realized || dependencyId) await mysqlProvider.release({ dependencyId, kind: "mysql", target, metadata: realized?.metadata ?? {}, signal }).catch((error) => log(`release ${dependencyId}: ${error.message}`));
  rmSync(scratch, { recursive: true, force: true });
}
