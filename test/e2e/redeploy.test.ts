import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, plantedSecret, POSTGRES_ADMIN_URL } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession } from "../support/server-process.js";
import { freePort } from "../support/net.js";

const APP = fileURLToPath(new URL("../fixtures/http-app.mjs", import.meta.url));
const deployment = testDeployment();
const role = `berth_logs_${deployment.prefix}`;
afterAll(() => adminQuery(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`).catch(() => undefined));
const served = serveForTests(deployment);
const started: string[] = [];

const { berth, json, outputs } = cliSession(() => served.env);

interface DeploymentJson {
  id: string;
  status: string;
  statusReason?: string;
}
interface Health {
  ok: boolean;
  instance: string;
  pid: number;
}
interface LogsJson {
  deploymentId: string;
  lines: string[];
  truncated: boolean;
  live: boolean;
}

const health = async (port: number): Promise<Health> => (await fetch(`http://127.0.0.1:${port}/health`)).json() as Promise<Health>;
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function resource(scope: string[], name: string, port: number): Promise<string> {
  const created = await json<{ id: string }>([
    "resource", "create", ...scope, "--name", name, "--command", `"${process.execPath}" "${APP}"`, "--env", `PORT=${port}`, "--health-url", `http://127.0.0.1:${port}/health`,
  ]);
  return created.id;
}

/** `deployments create --wait -o json`: the exit code and the deployment as it settled. */
async function deployAndWait(resourceId: string): Promise<{ code: number; deployment: DeploymentJson }> {
  const result = await berth(["deployments", "create", "--resource", resourceId, "--server", "local", "--wait", "-o", "json"]);
  const parsed = JSON.parse(result.stdout) as DeploymentJson;
  started.push(parsed.id);
  return { code: result.code, deployment: parsed };
}

beforeAll(async () => {
  expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
});
afterAll(async () => {
  for (const id of started) await berth(["deployments", "stop", id]);
});

describe("a redeploy replaces the deployment it follows", () => {
  it("a redeploy on a fixed port ends with one live deployment, the old one superseded, and --wait healthy only for the new process", async () => {
    const scope = ["--project", "prj_re", "--environment", "env_a"];
    const port = await freePort();
    const web = await resource(scope, "web", port);

    const first = await deployAndWait(web);
    expect(first.code).toBe(0);
    expect(first.deployment.status).toBe("running");
    const before = await health(port);

    const second = await deployAndWait(web);
    expect(second.code).toBe(0);
    expect(second.deployment.status).toBe("running");
    // The process answering now is a new one, and the old one is gone.
    const after = await health(port);
    expect(after.instance).not.toBe(before.instance);
    expect(isAlive(before.pid)).toBe(false);

    const list = await json<{ items: DeploymentJson[] }>(["deployments", "list", "--resource", web]);
    const live = list.items.filter((d) => ["running", "starting", "pending"].includes(d.status));
    expect(live.map((d) => d.id)).toEqual([second.deployment.id]);
    const old = list.items.find((d) => d.id === first.deployment.id)!;
    expect(old.status).toBe("stopped");
    expect(old.statusReason).toBe(`superseded by ${second.deployment.id}`);
    const shown = await berth(["deployments", "show", first.deployment.id]);
    expect(shown.stdout).toMatch(new RegExp(`status:\\s+stopped \\(superseded by ${second.deployment.id}\\)`));

    // Two creates in a row without waiting: the later one wins, the earlier never runs beside it.
    const a = await json<DeploymentJson>(["deployments", "create", "--resource", web, "--server", "local"]);
    const b = await json<DeploymentJson>(["deployments", "create", "--resource", web, "--server", "local"]);
    started.push(a.id, b.id);
    const settled = await berth(["deployments", "create", "--resource", web, "--server", "local", "--wait", "-o", "json"]);
    const c = JSON.parse(settled.stdout) as DeploymentJson;
    started.push(c.id);
    expect(c.status).toBe("running");
    const final = await json<{ items: DeploymentJson[] }>(["deployments", "list", "--resource", web]);
    expect(final.items.filter((d) => d.status !== "stopped").map((d) => d.id)).toEqual([c.id]);
    for (const d of final.items.filter((d) => d.id !== c.id)) expect(d.statusReason).toMatch(/^superseded by dpl_|^stopped on request$/);
  });

  it("a workload that exits while an old process holds the health URL is failed with its exit code", async () => {
    const scope = ["--project", "prj_re", "--environment", "env_b"];
    const port = await freePort();
    // Something that is not this deployment already answers the health URL.
    const squatter: Server = createServer((_request, response) => response.end("ok"));
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    try {
      const web = await resource(scope, "web", port);
      const result = await deployAndWait(web);
      expect(result.code).toBe(1);
      expect(result.deployment.status).toBe("failed");
      expect(result.deployment.statusReason).toMatch(/^the command exited before it was healthy \(code 1\): /);
      expect(result.deployment.statusReason).toContain("EADDRINUSE");
      // The cause is visible in its logs too.
      const logs = await json<LogsJson>(["deployments", "logs", result.deployment.id]);
      expect(logs.lines.join("\n")).toContain(`cannot listen on port ${port}: EADDRINUSE`);
      expect(logs.live).toBe(false);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

describe("berth deployments logs", () => {
  it("shows a workload's output with the secret delivered to it masked", async () => {
    const scope = ["--project", "prj_re", "--environment", "env_c"];
    const planted = plantedSecret("logs");
    await adminQuery(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD '${planted}'`);
    const admin = new URL(POSTGRES_ADMIN_URL);
    const url = `postgres://${role}:${planted}@${admin.hostname}:${admin.port || 5432}/postgres`;
    const dep = await json<{ id: string }>(["dependency", "import", "--kind", "postgres", ...scope, "--name", "db", "--connection-url-stdin", "--probe"], url);
    const port = await freePort();
    const web = await resource(scope, "web", port);
    await json(["resource", "dependency", "bind", web, "--dependency", dep.id, "--target", "DATABASE_URL"]);

    const result = await deployAndWait(web);
    expect(result.code).toBe(0);
    const logs = await berth(["deployments", "logs", result.deployment.id]);
    expect(logs.code, logs.stderr).toBe(0);
    // The whole delivered URL is a secret, and so is each part of it.
    expect(logs.stdout).toContain("connecting with ****\n");
    expect(logs.stdout).toContain("password alone: ****");
    expect(logs.stdout).toContain("listening");
    expect(logs.stderr).toMatch(/\(live, last output /);
    const tail = await json<LogsJson>(["deployments", "logs", result.deployment.id, "--tail", "1"]);
    expect(tail.lines).toEqual(["listening"]);
    expect(tail.truncated).toBe(true);

    // After it stopped, the saved copy is shown, masked the same way.
    expect((await berth(["deployments", "stop", result.deployment.id])).code).toBe(0);
    const saved = await json<LogsJson>(["deployments", "logs", result.deployment.id]);
    expect(saved.live).toBe(false);
    expect(saved.lines).toContain("password alone: ****");

    const unknown = await berth(["deployments", "logs", "dpl_NOPE"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("[deployment_not_found]");
    for (const text of [...outputs, served.server.output()]) expect(text.includes(planted)).toBe(false);
  });
});
