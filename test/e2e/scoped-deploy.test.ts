import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { freePort } from "../support/net.js";
import { cliEnv, cliSession, runCli } from "../support/server-process.js";

const APP = fileURLToPath(new URL("../fixtures/app-two-deps.mjs", import.meta.url));
const deployment = testDeployment();
const dir = mkdtempSync(join(tmpdir(), "berth-scoped-"));
const served = serveForTests(deployment);
let ciEnv: NodeJS.ProcessEnv;
const admin = cliSession(() => served.env);
const ci = cliSession(() => ciEnv);

beforeAll(async () => {
  expect((await admin.berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
  // What a platform admin hands a repository's CI: an operator token for one project, for 30 days.
  const created = await admin.json<{ bearerToken: string }>(["token", "create", "--name", "ci-shop", "--project", "prj_shop", "--role", "operator", "--expires-in", "30d"]);
  ciEnv = cliEnv(served.server.address, created.bearerToken);
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("a CI job with a project-scoped operator token", () => {
  it("deploys a preview from berth.yaml and cleans it up, and cannot touch another project", { timeout: 180_000 }, async () => {
    const port = await freePort();
    const config = join(dir, "berth.yaml");
    writeFileSync(
      config,
      `resource: web
run:
  command: '"${process.execPath}" "${APP}" ${port}'
  healthUrl: http://127.0.0.1:${port}/health
dependencies:
  db:
    kind: postgres
    source: managed
    bind:
      env: DATABASE_URL
preview:
  lifecycle: ephemeral
`,
    );
    const scope = ["--project", "prj_shop", "--environment", "env_preview"];
    const dry = await ci.berth(["deploy", ...scope, "--server", "local", "--preview", "pr-7", "--config", config, "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    const deployed = await ci.berth(["deploy", ...scope, "--server", "local", "--preview", "pr-7", "--config", config]);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toMatchObject({ ok: true });

    const list = await ci.json<{ items: Array<{ name: string }> }>(["dependency", "list", ...scope]);
    expect(list.items.map((d) => d.name)).toEqual(["db-pr-7"]);

    const cleaned = await ci.json<{ removed: Array<{ subject: string; name: string }> }>(["preview", "cleanup", ...scope, "--preview", "pr-7", "--config", config, "--yes"]);
    expect(cleaned.removed.map((r) => `${r.subject}:${r.name}`).sort()).toEqual(["binding:DATABASE_URL", "dependency:db-pr-7", "deployment:web-pr-7", "resource:web-pr-7"]);
    expect((await ci.json<{ items: unknown[] }>(["dependency", "list", ...scope])).items).toEqual([]);

    // Another project: refused with a reason naming the scope; nothing is created there.
    const elsewhere = await ci.berth(["deploy", "--project", "prj_billing", "--environment", "env_preview", "--server", "local", "--preview", "pr-7", "--config", config]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/outside_token_scope/);
    const billing = await admin.json<{ items: unknown[] }>(["dependency", "list", "--project", "prj_billing"]);
    expect(billing.items).toEqual([]);
    // Runtime targets run commands on the host: admin only.
    const target = await runCli(["server", "create", "--name", "mine", "--kind", "local-process"], ciEnv);
    expect(target.code).not.toBe(0);
    expect(target.stderr).toMatch(/admin_role_required/);
  });
});
