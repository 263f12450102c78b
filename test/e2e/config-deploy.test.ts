import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { DeploymentStatus, dependencyStatusToJSON } from "@berth/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_ADMIN_URL } from "../../providers/redis/test/support.js";
import { POSTGRES_ADMIN_URL, adminQuery } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { CLI, cliSession, runCli } from "../support/server-process.js";
import { freePort } from "../support/net.js";

const APP = fileURLToPath(new URL("../fixtures/app-two-deps.mjs", import.meta.url));
const deployment = testDeployment();
const dir = mkdtempSync(join(tmpdir(), "berth-config-"));
const served = serveForTests(
  deployment,
  () =>
    deployment.start({
      targets: [
        { name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL },
        { name: "cache", kind: "redis", adminUrl: REDIS_ADMIN_URL },
      ],
    }),
  { timeoutMs: 180_000 },
);

const { berth, json } = cliSession(() => served.env);

/** A berth.yaml as a repository would hold it: two managed dependencies, one with backups. */
function writeConfig(name: string, port: number, extra: { intervalHours?: number; backup?: boolean; preview?: boolean; dbEnv?: string } = {}): string {
  const backup =
    extra.backup === false
      ? ""
      : `
    backup:
      enabled: true
      intervalHours: ${extra.intervalHours ?? 24}
      retentionDays: 7
      retryOnFailure: true`;
  const text = `resource: web
run:
  command: '"${process.execPath}" "${APP}" ${port}'
  healthUrl: http://127.0.0.1:${port}/health
dependencies:
  db:
    kind: postgres
    source: managed
    bind:
      env: ${extra.dbEnv ?? "DATABASE_URL"}${backup}
  cache:
    kind: redis
    source: managed
    bind:
      env: REDIS_URL
${extra.preview ? "preview:\n  lifecycle: ephemeral\n" : ""}`;
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface DeployJson {
  dryRun: boolean;
  changes: Array<{ subject: string; action: string; name: string; id?: string; summary: string }>;
  unchanged: Array<{ subject: string; name: string; id: string }>;
  deploymentId?: string;
}
interface DependencyJson {
  id: string;
  name: string;
  kind: string;
  status: string;
  source: string;
}

/** What an environment holds, in a form two environments can be compared by (read through the API). */
async function environmentState(environment: string) {
  const { api } = served;
  const scope = { projectId: "prj_cfg", environmentId: environment };
  const deps = (await api.dependency.listDependencies({ ...scope, kind: "", status: 0, pageSize: 500, pageToken: "", showDeleted: false })).dependencies;
  const resources = (await api.deployment.listResources({ ...scope, name: "", pageSize: 500, pageToken: "" })).resources;
  const bindings = (await api.binding.listBindings({ ...scope, resourceId: "", dependencyId: "", includeUnbound: false, pageSize: 500, pageToken: "" })).bindings.map(
    (b) => `${resources.find((r) => r.id === b.resourceId)?.name}:${b.targetEnvVar}=${deps.find((d) => d.id === b.dependencyId)?.name}`,
  );
  const deployments = (await api.deployment.listDeployments({ ...scope, resourceId: "", runtimeTargetId: "", status: 0, pageSize: 500, pageToken: "" })).deployments;
  const policies = (await api.backup.listBackupPolicies({ dependencyId: "", enabledOnly: false, pageSize: 500, pageToken: "" })).policies
    .filter((p) => deps.some((d) => d.id === p.dependencyId))
    .map((p) => `${deps.find((d) => d.id === p.dependencyId)!.name}:${p.intervalHours}h/${p.retentionDays}d/${p.enabled}`);
  return {
    dependencies: deps.map((d) => `${d.name}:${d.kind}:${dependencyStatusToJSON(d.status)}`).sort(),
    resources: resources.map((r) => r.name).sort(),
    bindings: bindings.sort(),
    liveDeployments: deployments.filter((d) => [DeploymentStatus.DEPLOYMENT_STATUS_RUNNING, DeploymentStatus.DEPLOYMENT_STATUS_STARTING, DeploymentStatus.DEPLOYMENT_STATUS_PENDING].includes(d.status)).length,
    policies: policies.sort(),
  };
}

beforeAll(async () => {
  const local = await berth(["server", "create", "--name", "local", "--kind", "local-process"]);
  expect(local.code, local.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  // Stop every app this file started, then release what the test provisioned.
  for (const environment of ["env_a", "env_b", "env_c", "env_p", "env_r"]) {
    const list = await runCli(["deployments", "list", "--project", "prj_cfg", "--environment", environment, "-o", "json"], served.env).catch(() => undefined);
    for (const d of list?.code === 0 ? (JSON.parse(list.stdout).items as Array<{ id: string; status: string }>) : []) {
      if (d.status === "running") await runCli(["deployments", "stop", d.id], served.env);
    }
  }
  const redis = new Redis(REDIS_ADMIN_URL);
  // What the test's managed Redis users made: the users and the keys under their prefixes.
  for (const user of (await redis.acl("USERS")) as string[]) {
    if (!user.startsWith("berth_dep_")) continue;
    await redis.acl("DELUSER", user).catch(() => undefined);
    const keys = await redis.keys(`${user}:*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("berth deploy: berth.yaml end to end on real Postgres and Redis", () => {
  const scope = ["--project", "prj_cfg", "--environment", "env_a", "--server", "local"];
  let port: number;
  let config: string;

  it("deploys a two-dependency config: both env vars reach the running app", async () => {
    port = await freePort();
    config = writeConfig("berth.yaml", port);
    const result = await json<DeployJson>(["deploy", ...scope, "--config", config]);
    const actions = result.changes.map((c) => `${c.subject}:${c.action}:${c.name}`).sort();
    expect(actions).toEqual(
      ["backup-policy:create:db", "binding:bind:DATABASE_URL", "binding:bind:REDIS_URL", "dependency:provision:cache", "dependency:provision:db", "deployment:create:web", "resource:create:web"].sort(),
    );
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    expect(health).toEqual({ ok: true, database: "visits=1", redis: "hits=1" });
  });

  it("a second deploy changes nothing and says so", async () => {
    const again = await berth(["deploy", ...scope, "--config", config]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^No changes: .* is already deployed \(1 resource, 2 dependencies, 2 bindings, 1 backup policy, 1 deployment up to date\)/m);
    const asJson = await json<DeployJson>(["deploy", ...scope, "--config", config]);
    expect(asJson.changes).toEqual([]);
    // The app was not restarted: its counters are still the first run's.
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true, database: "visits=1", redis: "hits=1" });
  });

  it("reconciles backup policies through the policy operations: --dry-run, update, disable", { timeout: 180_000 }, async () => {
    const changed = writeConfig("berth-12h.yaml", port, { intervalHours: 12 });
    const dry = await berth(["deploy", ...scope, "--config", changed, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("~ update the backup policy of db: every 12 h, kept 7 d, retry on failure");
    expect(dry.stdout).toContain("Nothing was changed");
    expect((await environmentState("env_a")).policies).toEqual(["db:24h/7d/true"]);

    const updated = await json<DeployJson>(["deploy", ...scope, "--config", changed]);
    expect(updated.changes.map((c) => `${c.subject}:${c.action}`)).toEqual(["backup-policy:update"]);
    expect((await environmentState("env_a")).policies).toEqual(["db:12h/7d/true"]);

    const off = await json<DeployJson>(["deploy", ...scope, "--config", writeConfig("berth-nobackup.yaml", port, { backup: false })]);
    expect(off.changes.map((c) => `${c.subject}:${c.action}`)).toEqual(["backup-policy:disable"]);
    expect((await environmentState("env_a")).policies).toEqual(["db:12h/7d/false"]);
    // Deploy never runs a backup itself.
    const db = (await json<{ items: DependencyJson[] }>(["dependency", "list", "--project", "prj_cfg", "--environment", "env_a"])).items.find((d) => d.name === "db")!;
    expect((await json<{ items: unknown[] }>(["dependency", "backup", "list", db.id])).items).toEqual([]);
  });

  it("a deploy killed halfway, run again, ends in the same state as one clean run", { timeout: 240_000 }, async () => {
    const killedPort = await freePort();
    const killedConfig = writeConfig("berth-killed.yaml", killedPort, { intervalHours: 12 });
    const args = [CLI, "deploy", "--project", "prj_cfg", "--environment", "env_b", "--server", "local", "--config", killedConfig];
    // Kill it as soon as it has started provisioning: dependencies exist, nothing is bound yet.
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, args, { env: { ...process.env, ...served.env }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (chunk) => {
        out += chunk;
        if (/provisioning managed redis/.test(out)) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`deploy finished before it could be killed:\n${out}`))));
    });
    const half = await environmentState("env_b");
    expect(half.bindings).toEqual([]);
    expect(half.liveDeployments).toBe(0);

    const resumed = await berth(["deploy", "--project", "prj_cfg", "--environment", "env_b", "--server", "local", "--config", killedConfig]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const cleanPort = await freePort();
    const clean = await berth(["deploy", "--project", "prj_cfg", "--environment", "env_c", "--server", "local", "--config", writeConfig("berth-clean.yaml", cleanPort, { intervalHours: 12 })]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(await environmentState("env_b")).toEqual(await environmentState("env_c"));
    expect(await environmentState("env_b")).toMatchObject({
      dependencies: ["cache:redis:DEPENDENCY_STATUS_READY", "db:postgres:DEPENDENCY_STATUS_READY"],
      bindings: ["web:DATABASE_URL=db", "web:REDIS_URL=cache"],
      liveDeployments: 1,
      policies: ["db:12h/7d/true"],
    });
    expect(await (await fetch(`http://127.0.0.1:${killedPort}/health`)).json()).toEqual({ ok: true, database: "visits=1", redis: "hits=1" });
    for (const environment of ["env_c"]) {
      const list = await json<{ items: Array<{ id: string; status: string }> }>(["deployments", "list", "--project", "prj_cfg", "--environment", environment]);
      for (const d of list.items) if (d.status === "running") await berth(["deployments", "stop", d.id]);
    }
  });

  it("an env var renamed and renamed back redeploys each time, replacing the previous deployment", { timeout: 180_000 }, async () => {
    const renamePort = await freePort();
    const args = ["deploy", "--project", "prj_cfg", "--environment", "env_r", "--server", "local"];
    await json<DeployJson>([...args, "--config", writeConfig("berth-r1.yaml", renamePort, { backup: false })]);
    expect(await (await fetch(`http://127.0.0.1:${renamePort}/health`)).json()).toMatchObject({ database: "visits=1" });

    const renamed = await json<DeployJson>([...args, "--config", writeConfig("berth-r2.yaml", renamePort, { backup: false, dbEnv: "DB_URL" })]);
    expect(renamed.changes.map((c) => `${c.subject}:${c.action}:${c.name}`)).toEqual([
      "binding:bind:DB_URL",
      "binding:unbind:DATABASE_URL",
      "deployment:stop:web",
      "deployment:create:web",
    ]);
    // The app reads DATABASE_URL only: the rename reached it. The old deployment freed its port first.
    expect(await (await fetch(`http://127.0.0.1:${renamePort}/health`)).json()).toMatchObject({ database: "missing", redis: "hits=2" });

    // Back to DATABASE_URL: a new binding (the old one stays unbound in history), and the data is still there.
    const back = await json<DeployJson>([...args, "--config", writeConfig("berth-r3.yaml", renamePort, { backup: false })]);
    expect(back.changes.filter((c) => c.subject === "binding").map((c) => `${c.action}:${c.name}`)).toEqual(["bind:DATABASE_URL", "unbind:DB_URL"]);
    expect(await (await fetch(`http://127.0.0.1:${renamePort}/health`)).json()).toMatchObject({ database: "visits=2", redis: "hits=3" });
    const state = await environmentState("env_r");
    expect(state.bindings).toEqual(["web:DATABASE_URL=db", "web:REDIS_URL=cache"]);
    expect(state.liveDeployments).toBe(1);
    expect((await json<DeployJson>([...args, "--config", writeConfig("berth-r3.yaml", renamePort, { backup: false })])).changes).toEqual([]);
  });

  it("a config with a credential is refused with the key path, and nothing is created", { timeout: 120_000 }, async () => {
    const before = await environmentState("env_a");
    const leaked = `postgres://app:Sup3rS3cretPw9@db.internal:5432/app`;
    const path = join(dir, "berth-bad.yaml");
    writeFileSync(path, `resource: web\ndependencies:\n  db:\n    kind: postgres\n    bind:\n      env: DATABASE_URL\n    connectionString: ${leaked}\n`);
    const refused = await berth(["deploy", ...scope, "--config", path]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("dependencies.db.connectionString");
    expect(refused.stderr).toContain("[config_secret_value_forbidden]");
    expect(refused.stderr).not.toContain("Sup3rS3cretPw9");
    expect(await environmentState("env_a")).toEqual(before);
  });
});

describe("berth preview cleanup: only what provenance proves belongs to the preview", () => {
  it("deletes the preview's own dependencies, keeps a manually bound shared one and an imported one", { timeout: 180_000 }, async () => {
    const scope = ["--project", "prj_cfg", "--environment", "env_p"];
    const shared = await json<DependencyJson>(["dependency", "provision", "--kind", "postgres", ...scope, "--name", "shared-db", "--wait"]);
    await json<DependencyJson>(["dependency", "import", "--kind", "redis", ...scope, "--name", "ext-cache", "--connection-url-stdin"], `${REDIS_ADMIN_URL}/0`);
    const port = await freePort();
    const config = writeConfig("berth-preview.yaml", port, { preview: true, backup: false });
    const deployed = await json<DeployJson>(["deploy", ...scope, "--server", "local", "--preview", "pr-42", "--config", config]);
    expect(deployed.changes.filter((c) => c.subject === "dependency").map((c) => c.summary)).toEqual([
      "provisioning managed postgres dependency db-pr-42",
      "provisioning managed redis dependency cache-pr-42",
    ]);
    const resource = (await json<{ items: Array<{ id: string; name: string }> }>(["resource", "list", ...scope, "--name", "web-pr-42"])).items[0];
    // A person binds the shared database to the preview by hand.
    expect((await berth(["resource", "dependency", "bind", resource.id, "--dependency", shared.id, "--target", "SHARED_DATABASE_URL"])).code).toBe(0);

    const dry = await berth(["preview", "cleanup", ...scope, "--preview", "pr-42", "--config", config, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("Dry run: nothing was changed.");
    expect((await environmentState("env_p")).dependencies).toHaveLength(4);

    const cleaned = await json<{ removed: Array<{ subject: string; name: string }>; kept: Array<{ subject: string; name: string; reason: string }> }>([
      "preview", "cleanup", ...scope, "--preview", "pr-42", "--config", config, "--yes",
    ]);
    expect(cleaned.removed.filter((r) => r.subject === "dependency").map((r) => r.name).sort()).toEqual(["cache-pr-42", "db-pr-42"]);
    expect(cleaned.removed.filter((r) => r.subject === "resource").map((r) => r.name)).toEqual(["web-pr-42"]);
    const kept = Object.fromEntries(cleaned.kept.map((k) => [k.name, k.reason]));
    expect(kept["shared-db"]).toMatch(/not created from repository config/);
    expect(kept["ext-cache"]).toMatch(/imported/);

    const after = await environmentState("env_p");
    expect(after.dependencies).toEqual(["ext-cache:redis:DEPENDENCY_STATUS_READY", "shared-db:postgres:DEPENDENCY_STATUS_READY"]);
    expect(after.resources).toEqual([]);
    // What the provider created for the preview is gone from the real servers too.
    const ids = deployed.changes.filter((c) => c.subject === "dependency").map((c) => c.id!.toLowerCase());
    expect(await adminQuery("SELECT datname FROM pg_database WHERE datname = ANY($1)", [ids.map((id) => `berth_${id}`)])).toEqual([]);
    const redis = new Redis(REDIS_ADMIN_URL);
    const users = (await redis.acl("USERS")) as string[];
    redis.disconnect();
    expect(users.filter((u) => ids.some((id) => u === `berth_${id}`))).toEqual([]);

    // Running it again is safe and removes nothing more.
    const again = await json<{ removed: unknown[] }>(["preview", "cleanup", ...scope, "--preview", "pr-42", "--config", config, "--yes"]);
    expect(again.removed).toEqual([]);

    // The pull request is reopened: the preview deploys again from scratch, then goes again.
    const reopened = await json<DeployJson>(["deploy", ...scope, "--server", "local", "--preview", "pr-42", "--config", config]);
    expect(reopened.changes.filter((c) => c.subject === "dependency").map((c) => c.action)).toEqual(["provision", "provision"]);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true, database: "visits=1", redis: "hits=1" });
    const second = await json<{ removed: Array<{ subject: string; name: string }> }>(["preview", "cleanup", ...scope, "--preview", "pr-42", "--config", config, "--yes"]);
    expect(second.removed.filter((r) => r.subject === "dependency").map((r) => r.name).sort()).toEqual(["cache-pr-42", "db-pr-42"]);
  });

  it("refuses to clean up a config whose previews are not ephemeral", async () => {
    const config = writeConfig("berth-persistent.yaml", 1, {});
    const refused = await berth(["preview", "cleanup", "--project", "prj_cfg", "--environment", "env_p", "--preview", "pr-42", "--config", config]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("[preview_not_ephemeral]");
  });
});
