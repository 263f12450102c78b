import { afterAll, describe, expect, it } from "vitest";
import { testDeployment } from "../support/berth-server.js";
import { cliSession, type ServerProcess } from "../support/server-process.js";

// What a token can make the host run: with `localProcessUser`, a resource's command runs as that
// unprivileged account, never as the user Berth runs as (root here).

const deployment = testDeployment();
let server: ServerProcess | undefined;
const { berth, json } = cliSession(() => ({ BERTH_API: server!.address, BERTH_TOKEN: deployment.secrets.adminToken, BERTH_HOME: "/nonexistent-berth-home" }));
const isRoot = process.getuid?.() === 0;

afterAll(async () => {
  if (server) {
    const list = await json<{ items: Array<{ id: string }> }>(["deployments", "list", "--status", "running"]).catch(() => ({ items: [] }));
    for (const d of list.items) await berth(["deployments", "stop", d.id]);
    await server.stop();
  }
  await deployment.cleanup();
});

describe("local-process workloads under localProcessUser", () => {
  it("refuses to start with an account that does not exist, naming the setting", async () => {
    await expect(deployment.start({ localProcessUser: "no-such-account-berth" })).rejects.toThrow(/localProcessUser: no account named "no-such-account-berth"/);
  });

  (isRoot ? it : it.skip)(`run as that account, not as root${isRoot ? "" : " (skipped: the test runner is not root, so Berth cannot switch users)"}`, { timeout: 120_000 }, async () => {
    server = await deployment.start({ localProcessUser: "nobody" });
    expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
    const resource = await json<{ id: string }>(["resource", "create", "--project", "prj_user", "--environment", "env_a", "--name", "whoami", "--cwd", "/tmp", "--command", 'echo "running as uid $(id -u) gid $(id -g)"; sleep 60']);
    const created = await berth(["deployments", "create", "--resource", resource.id, "--server", "local", "--wait", "-o", "json"]);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    let logs = "";
    for (let i = 0; i < 40 && !logs.includes("running as"); i++) {
      logs = (await berth(["deployments", "logs", id])).stdout;
      if (!logs.includes("running as")) await new Promise((r) => setTimeout(r, 250));
    }
    expect(logs).toContain("running as uid 65534 gid 65534");
  });
});
