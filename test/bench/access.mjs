// pnpm bench:access — the cost of access control and audit, measured in one run on one machine:
// GetDependency p99 with a project-scoped token ÷ with the admin token (target ≤ 1.10×), and
// mutation throughput with the audit log on ÷ off. Prints a table, writes JSON.
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { createBerthClient, Role } from "@berth/client";
import pg from "pg";
import { startListening } from "./lib/berth.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const POSTGRES = process.env.BERTH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CALLS = Number(process.env.BENCH_CALLS ?? 4000);
const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 1000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function startServer(config) {
  const path = `/tmp/berth-bench-access-${randomBytes(4).toString("hex")}.json`;
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return startListening([`${root}sdk/cli/dist/main.js`, "serve", "--config", path, "--log-level", "info"]);
}

async function load(call, total, inFlight) {
  const latencies = new Array(total);
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const index = next++;
      const t0 = performance.now();
      await call(index);
      latencies[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { calls: total, perSecond: Math.round(total / seconds), p50: +at(0.5).toFixed(3), p99: +at(0.99).toFixed(3) };
}

function configFor(name, auditEnabled) {
  const suffix = randomBytes(4).toString("hex");
  return {
    database: `berth_bench_${name}_${suffix}`,
    config: {
      services: ["dependency", "binding", "deployment"],
      listen: { host: "127.0.0.1", port: 0 },
      databaseUrl: POSTGRES.replace(/\/[^/]*$/, `/berth_bench_${name}_${suffix}`),
      adminToken: `bench-admin-${randomBytes(16).toString("hex")}`,
      internalToken: `bench-internal-${randomBytes(16).toString("hex")}`,
      masterKeys: [`bench:${randomBytes(32).toString("base64")}`],
      audit: { enabled: auditEnabled },
      logLevel: "warn",
    },
  };
}

const servers = [];
const databases = [];
const results = {};
try {
  // 1. Get p99: admin token vs a viewer token scoped to the project, same server, alternating rounds.
  const on = configFor("on", true);
  databases.push(on.database);
  const berth = await startServer(on.config);
  servers.push(berth.child);
  const admin = createBerthClient({ address: berth.address, token: on.config.adminToken });
  const { dependency } = await admin.dependency.importDependency({
    requestId: "bench-dep", projectId: "prj_bench", environmentId: "env_bench", name: "cache", kind: "redis",
    connectionUrl: `redis://default:${randomBytes(12).toString("hex")}@cache.internal:6379/0`, probe: false, deletionProtection: false,
  });
  const { bearerToken } = await admin.access.createToken({ name: "bench-viewer", role: Role.ROLE_VIEWER, projectIds: ["prj_bench"], environmentIds: [] });
  const scoped = createBerthClient({ address: berth.address, token: bearerToken });
  const get = (client) => () => client.dependency.getDependency({ id: dependency.id });
  await load(get(admin), 1000, IN_FLIGHT);
  await load(get(scoped), 1000, IN_FLIGHT);
  const rounds = { admin: [], scoped: [] };
  for (let i = 0; i < ROUNDS; i++) {
    rounds.admin.push(await load(get(admin), CALLS, IN_FLIGHT));
    rounds.scoped.push(await load(get(scoped), CALLS, IN_FLIGHT));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results.get = {
    admin: rounds.admin,
    scoped: rounds.scoped,
    adminP99: median(rounds.admin.map((r) => r.p99)),
    scopedP99: median(rounds.scoped.map((r) => r.p99)),
  };
  results.get.scopedToAdminP99 = +(results.get.scopedP99 / results.get.adminP99).toFixed(3);

  // 2. Mutation throughput (CreateResource, a plain insert: the worst case for audit overhead), audit on vs off.
  const mutate = (client, tag) => (i) =>
    client.deployment.createResource({ requestId: `${tag}-${i}`, projectId: "prj_bench", environmentId: "env_bench", name: `web-${tag}-${i}`, command: "true", cwd: "", env: {}, healthUrl: "" });
  const off = configFor("off", false);
  databases.push(off.database);
  const berthOff = await startServer(off.config);
  servers.push(berthOff.child);
  const adminOff = createBerthClient({ address: berthOff.address, token: off.config.adminToken });
  await load(mutate(admin, "warm"), 200, IN_FLIGHT);
  await load(mutate(adminOff, "warm"), 200, IN_FLIGHT);
  results.mutations = { auditOn: await load(mutate(admin, "on"), MUTATIONS, IN_FLIGHT), auditOff: await load(mutate(adminOff, "off"), MUTATIONS, IN_FLIGHT) };
  results.mutations.onToOffThroughput = +(results.mutations.auditOn.perSecond / results.mutations.auditOff.perSecond).toFixed(3);
  const verify = await admin.access.verifyAuditLog({});
  results.auditChain = { intact: verify.isIntact, records: verify.recordsChecked };
  admin.close();
  scoped.close();
  adminOff.close();

  console.log("GetDependency p99 (ms), median of %d rounds of %d calls, %d in flight:", ROUNDS, CALLS, IN_FLIGHT);
  console.log("  admin token   %s", results.get.adminP99);
  console.log("  scoped token  %s   ratio %s× (target ≤ 1.10×)", results.get.scopedP99, results.get.scopedToAdminP99);
  console.log("CreateResource throughput (calls/s), %d calls:", MUTATIONS);
  console.log("  audit on   %d (p99 %s ms)", results.mutations.auditOn.perSecond, results.mutations.auditOn.p99);
  console.log("  audit off  %d (p99 %s ms)   on/off %s×", results.mutations.auditOff.perSecond, results.mutations.auditOff.p99, results.mutations.onToOffThroughput);
  console.log("audit chain after the run: %s, %s records", results.auditChain.intact ? "intact" : "BROKEN", results.auditChain.records);
  mkdirSync(`${root}test/bench/results`, { recursive: true });
  const out = `${root}test/bench/results/access.json`;
  writeFileSync(out, JSON.stringify({ when: new Date().toISOString(), calls: CALLS, mutations: MUTATIONS, inFlight: IN_FLIGHT, targets: { scopedToAdminGetP99: 1.1 }, results }, null, 2));
  console.log(`wrote ${out}`);
} finally {
  for (const child of servers) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 1500));
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  for (const name of databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
  await client.end();
}
