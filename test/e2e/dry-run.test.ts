import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession } from "../support/server-process.js";
import { freePort } from "../support/net.js";

const APP = fileURLToPath(new URL("../fixtures/http-app.mjs", import.meta.url));
// Only a Postgres realization target is configured: Redis has a provider but nowhere to realize it.
const deployment = testDeployment();
const dir = mkdtempSync(join(tmpdir(), "berth-dry-run-"));
const served = serveForTests(deployment);
const { berth, json } = cliSession(() => served.env);

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** What an environment holds, read through the API. */
async function state(projectId: string, environmentId: string) {
  const { api } = served;
  const scope = { projectId, environmentId, pageSize: 500, pageToken: "" };
  const resources = (await api.deployment.listResources({ ...scope, name: "" })).resources.map((r) => r.id);
  const dependencies = (await api.dependency.listDependencies({ ...scope, kind: "", status: 0, showDeleted: false })).dependencies.map((d) => `${d.id}:${d.status}`);
  const bindings = (await api.binding.listBindings({ ...scope, resourceId: "", dependencyId: "", includeUnbound: false })).bindings.map((b) => b.id);
  const deployments = (await api.deployment.listDeployments({ ...scope, resourceId: "", runtimeTargetId: "", status: 0 })).deployments.map((d) => `${d.id}:${d.status}`);
  return { resources: resources.sort(), dependencies: dependencies.sort(), bindings: bindings.sort(), deployments: deployments.sort() };
}

beforeAll(async () => {
  expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
}, 120_000);
afterAll(async () => {
  const list = await json<{ items: Array<{ id: string; status: string }> }>(["deployments", "list", "--status", "running"]).catch(() => ({ items: [] }));
  for (const d of list.items) await berth(["deployments", "stop", d.id]);
  rmSync(dir, { recursive: true, force: true });
});

describe("berth deploy --dry-run fails where the real run would", () => {
  it("a kind with no realization target: the dry run and the real run refuse alike, and nothing is created", async () => {
    const config = writeConfig(
      "berth.yaml",
      `resource: web
run:
  command: '"${process.execPath}" "${APP}"'
dependencies:
  db:
    kind: postgres
    bind:
      env: DATABASE_URL
  cache:
    kind: redis
    bind:
      env: REDIS_URL
`,
    );
    const scope = ["--project", "prj_dry", "--environment", "env_a", "--server", "local", "--config", config];
    const before = await state("prj_dry", "env_a");

    const dry = await berth(["deploy", ...scope, "--dry-run"]);
    const real = await berth(["deploy", ...scope]);
    expect(dry.code).toBe(5);
    expect(real.code).toBe(5);
    expect(dry.stderr).toContain("[realization_target_unavailable]");
    expect(dry.stderr).toContain("dependencies.cache: no realization target is configured for kind redis");
    // The same refusal, word for word.
    expect(real.stderr).toBe(dry.stderr);
    expect(dry.stdout).not.toContain("~ ");
    // The real run created nothing: no resource, no Postgres dependency half-provisioned.
    expect(await state("prj_dry", "env_a")).toEqual(before);
    expect(before.resources).toEqual([]);
    expect(before.dependencies).toEqual([]);
  });

  it("a server that cannot deliver secrets is refused up front too", async () => {
    expect((await berth(["server", "create", "--name", "cdn", "--kind", "static"])).code).toBe(0);
    const config = writeConfig("berth-static.yaml", `resource: site\nrun:\n  command: "true"\ndependencies:\n  db:\n    kind: postgres\n    bind:\n      env: DATABASE_URL\n`);
    const scope = ["--project", "prj_dry", "--environment", "env_s", "--server", "cdn", "--config", config];
    const dry = await berth(["deploy", ...scope, "--dry-run"]);
    const real = await berth(["deploy", ...scope]);
    expect(dry.code).toBe(5);
    expect(dry.stderr).toContain("[dependency_runtime_injection_blocked]");
    expect(real.stderr).toBe(dry.stderr);
    expect(await state("prj_dry", "env_s")).toEqual({ resources: [], dependencies: [], bindings: [], deployments: [] });
  });
});

describe("berth preview cleanup --dry-run reports what the real run does", () => {
  it("a retained backup: the dry run reports the same refusal as the real run, which changes nothing", { timeout: 180_000 }, async () => {
    const port = await freePort();
    const config = writeConfig(
      "berth-preview.yaml",
      `resource: web
run:
  command: 'PORT=${port} "${process.execPath}" "${APP}"'
  healthUrl: http://127.0.0.1:${port}/health
dependencies:
  db:
    kind: postgres
    bind:
      env: DATABASE_URL
preview:
  lifecycle: ephemeral
`,
    );
    const scope = ["--project", "prj_dry", "--environment", "env_p", "--preview", "pr-7", "--config", config];
    const deployed = await berth(["deploy", ...scope, "--server", "local"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const db = (await json<{ items: Array<{ id: string; name: string }> }>(["dependency", "list", "--project", "prj_dry", "--environment", "env_p"])).items.find((d) => d.name === "db-pr-7")!;
    const backup = await json<{ id: string }>(["dependency", "backup", "create", db.id, "--wait"]);
    const before = await state("prj_dry", "env_p");

    const dry = await berth(["preview", "cleanup", ...scope, "--dry-run"]);
    const real = await berth(["preview", "cleanup", ...scope, "--yes"]);
    expect(dry.code).toBe(5);
    expect(real.code).toBe(5);
    expect(dry.stderr).toContain("[dependency_delete_blocked]");
    expect(dry.stderr).toContain(`retained backup ${backup.id}`);
    expect(dry.stderr).toContain("pass --delete-backups");
    expect(real.stderr).toBe(dry.stderr);
    // Nothing was stopped, unbound or deleted.
    expect(await state("prj_dry", "env_p")).toEqual(before);

    // With --delete-backups the dry run lists the backup too, and the real run does exactly that.
    const planned = await json<{ removed: Array<{ subject: string; id: string }> }>(["preview", "cleanup", ...scope, "--delete-backups", "--dry-run"]);
    const done = await json<{ removed: Array<{ subject: string; id: string }>; incomplete: boolean }>(["preview", "cleanup", ...scope, "--delete-backups", "--yes"]);
    expect(done.incomplete).toBe(false);
    expect(done.removed.map((r) => `${r.subject}:${r.id}`)).toEqual(planned.removed.map((r) => `${r.subject}:${r.id}`));
    expect(planned.removed.map((r) => r.subject)).toEqual(["deployment", "binding", "backup", "dependency", "resource"]);
    expect((await state("prj_dry", "env_p")).resources).toEqual([]);
  });
});
