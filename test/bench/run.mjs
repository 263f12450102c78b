// pnpm bench: Berth's unary RPC latency and throughput against a plain grpc-js echo
// baseline measured in the same run, on the same machine. Prints a table, writes JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createBerthClient } from "@berth/client";
import pg from "pg";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { startListening } from "./lib/berth.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const POSTGRES = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS = process.env.BERTH_TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const CALLS = Number(process.env.BENCH_CALLS ?? 5000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const WARMUP = Math.min(1000, CALLS);

/** Runs `total` calls keeping `inFlight` outstanding; returns latencies (ms) and throughput. */
async function load(call, total, inFlight) {
  const latencies = new Array(total);
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      await call();
      latencies[index] = performance.now() - t0;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(total - 1, Math.floor(q * total))];
  return { p50: at(0.5), p99: at(0.99), callsPerSecond: total / seconds };
}

async function measure(label, client, request) {
  const call = label === "get" ? () => client.dependency.getDependency(request) : () => client.dependency.listDependencies(request);
  await load(call, WARMUP, IN_FLIGHT);
  return load(call, CALLS, IN_FLIGHT);
}

const suffix = randomBytes(4).toString("hex");
const database = `berth_bench_${suffix}`;
const databaseUrl = POSTGRES.replace(/\/[^/]*$/, `/${database}`);
const adminToken = `bench-admin-${randomBytes(16).toString("hex")}`;
const config = {
  services: ["dependency", "binding", "deployment"],
  listen: { host: "127.0.0.1", port: 0 },
  databaseUrl,
  natsUrl: NATS,
  natsPrefix: `bench${suffix}`,
  adminToken,
  internalToken: `bench-internal-${randomBytes(16).toString("hex")}`,
  masterKeys: [`bench:${randomBytes(32).toString("base64")}`],
  logLevel: "warn",
};
const configPath = `/tmp/berth-bench-${suffix}.json`;
writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });

const processes = [];
try {
  const berth = await startListening([`${root}sdk/cli/dist/main.js`, "serve", "--config", configPath, "--log-level", "info"], {});
  processes.push(berth.child);
  const client = createBerthClient({ address: berth.address, token: adminToken });
  const scope = { projectId: "prj_bench", environmentId: "env_bench" };
  let firstId = "";
  const dependencyIds = [];
  for (let i = 0; i < 200; i++) {
    const { dependency } = await client.dependency.importDependency({
      requestId: `bench-${i}`,
      ...scope,
      name: `cache-${i}`,
      kind: "redis",
      connectionUrl: `redis://default:${randomBytes(12).toString("hex")}@cache-${i}.internal:6379/0`,
      probe: false,
      deletionProtection: false,
    });
    firstId ||= dependency.id;
    dependencyIds.push(dependency.id);
  }
  const getRequest = { id: firstId };
  const listRequest = { ...scope, kind: "", status: 0, pageSize: 50, pageToken: "", showDeleted: false };
  const sample = (await client.dependency.getDependency(getRequest)).dependency;
  const page = (await client.dependency.listDependencies(listRequest)).dependencies;

  const echo = await startListening([`${root}test/bench/echo-server.mjs`], { BENCH_DEPENDENCY: JSON.stringify(sample), BENCH_PAGE: JSON.stringify(page) });
  processes.push(echo.child);
  const echoClient = createBerthClient({ address: echo.address, token: "unused" });

  const results = {};
  for (const label of ["get", "list"]) {
    const request = label === "get" ? getRequest : listRequest;
    const baseline = await measure(label, echoClient, request);
    const measured = await measure(label, client, request);
    results[label] = {
      berth: measured,
      echo: baseline,
      p50Ratio: measured.p50 / baseline.p50,
      p99Ratio: measured.p99 / baseline.p99,
      throughputRatio: measured.callsPerSecond / baseline.callsPerSecond,
    };
  }
  // Plan for resources with 1, 10 and 100 bindings, against Get p99 of this run.
  const { runtimeTarget } = await client.deployment.createRuntimeTarget({ requestId: "bench-srv", name: "local", kind: "local-process", canDeliverDependencySecrets: true });
  const plans = {};
  // Plan is measured one call at a time (latency, not queueing) against Get measured the same way.
  const getCall = () => client.dependency.getDependency(getRequest);
  await load(getCall, 300, 1);
  const sequentialGet = await load(getCall, 1000, 1);
  results.getSequential = sequentialGet;
  for (const count of [1, 10, 100]) {
    const { resource } = await client.deployment.createResource({ requestId: `bench-res-${count}`, ...scope, name: `web-${count}`, command: "true", cwd: "", env: {}, healthUrl: "" });
    for (let i = 0; i < count; i++) {
      await client.binding.bindDependency({ requestId: `bench-bnd-${count}-${i}`, ...scope, resourceId: resource.id, dependencyId: dependencyIds[i], targetEnvVar: `CACHE_${i}_URL` });
    }
    const call = () => client.deployment.planDeployment({ resourceId: resource.id, runtimeTargetId: runtimeTarget.id });
    const check = await call();
    if (check.injection.bindings.length !== count || check.injection.state !== 1) throw new Error(`plan for ${count} bindings is not ready`);
    await load(call, 100, 1);
    const measured = await load(call, 500, 1);
    plans[count] = { ...measured, p99RatioToGetP99: measured.p99 / sequentialGet.p99, p50RatioToGetP50: measured.p50 / sequentialGet.p50 };
  }
  results.plan = plans;
  client.close();
  echoClient.close();

  const targets = { get: 3, list: 5 };
  console.log(`\nUnary RPCs, ${CALLS} calls, ${IN_FLIGHT} in flight (warm-up ${WARMUP}); ratios are Berth ÷ plain grpc-js echo\n`);
  console.log("rpc   berth p50  berth p99  echo p50  echo p99  p99 ratio (target)  berth calls/s  echo calls/s  throughput ratio");
  for (const label of ["get", "list"]) {
    const r = results[label];
    const name = label === "get" ? "Get " : "List";
    console.log(
      `${name}  ${r.berth.p50.toFixed(2).padStart(7)}ms  ${r.berth.p99.toFixed(2).padStart(7)}ms  ${r.echo.p50.toFixed(2).padStart(6)}ms  ${r.echo.p99.toFixed(2).padStart(6)}ms  ${r.p99Ratio.toFixed(2).padStart(6)}× (≤ ${targets[label]}×)   ${r.berth.callsPerSecond.toFixed(0).padStart(11)}  ${r.echo.callsPerSecond.toFixed(0).padStart(12)}  ${r.throughputRatio.toFixed(2)}×`,
    );
  }
  console.log(`\nPlanDeployment, one call at a time, vs GetDependency one at a time (p50 ${sequentialGet.p50.toFixed(2)}ms, p99 ${sequentialGet.p99.toFixed(2)}ms); target: 100 bindings p99 ≤ 4× Get p99\n`);
  console.log("bindings  p50       p99       calls/s  p50 ÷ Get p50  p99 ÷ Get p99");
  for (const [count, r] of Object.entries(results.plan)) {
    console.log(`${count.padStart(8)}  ${r.p50.toFixed(2).padStart(6)}ms  ${r.p99.toFixed(2).padStart(6)}ms  ${r.callsPerSecond.toFixed(0).padStart(7)}  ${r.p50RatioToGetP50.toFixed(2).padStart(12)}×  ${r.p99RatioToGetP99.toFixed(2).padStart(12)}×`);
  }
  mkdirSync(`${root}test/bench/results`, { recursive: true });
  const out = `${root}test/bench/results/dependency-rpc.json`;
  writeFileSync(out, JSON.stringify({ when: new Date().toISOString(), calls: CALLS, inFlight: IN_FLIGHT, targets: { getP99Ratio: 3, listP99Ratio: 5, plan100P99RatioToGetP99: 4 }, results }, null, 2));
  console.log(`\nwrote ${out}`);
} finally {
  for (const child of processes) child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  const nc = await connect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  for (const stream of [`BENCH${suffix.toUpperCase()}_EVENTS`, `BENCH${suffix.toUpperCase()}_JOBS`]) await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
}
