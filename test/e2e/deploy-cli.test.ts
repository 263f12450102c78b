import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { plantedSecret } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession } from "../support/server-process.js";
import { freePort } from "../support/net.js";

const APP = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));
const deployment = testDeployment();
const served = serveForTests(deployment);
const { berth, json, outputs } = cliSession(() => served.env);

describe("deploy through the CLI: the secret reaches a real app", () => {
  it("provision → resource → bind → plan → create → healthy; then rotate and deploy again", async () => {
    const scope = ["--project", "prj_cli", "--environment", "env_prod"];
    const db = await json<{ id: string; connectionSecretRef: string }>(["dependency", "provision", "--kind", "postgres", ...scope, "--name", "app-db", "--wait"]);

    // An imported copy of the same database, whose connection we will "change" later.
    const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: db.connectionSecretRef, purpose: "test" });
    const imported = await json<{ id: string }>(["dependency", "import", "--kind", "postgres", ...scope, "--name", "shared-db", "--connection-url-stdin"], connectionUrl);

    const port = await freePort();
    const resource = await json<{ id: string }>([
      "resource", "create", ...scope, "--name", "web", "--command", `"${process.execPath}" "${APP}"`,
      "--env", `PORT=${port}`, "--env", "APP_NOTE=from-cli", "--health-url", `http://127.0.0.1:${port}/health`,
    ]);
    const local = await json<{ id: string; canDeliverDependencySecrets: boolean }>(["server", "create", "--name", "local", "--kind", "local-process"]);
    expect(local.canDeliverDependencySecrets).toBe(true);
    const binding = await json<{ id: string; secretRef: string }>(["resource", "dependency", "bind", resource.id, "--dependency", imported.id, "--target", "DATABASE_URL"]);
    expect(binding.secretRef).toBe(`secret://${imported.id}/connection@1`);

    const plan = await berth(["deployments", "plan", "--resource", "web", ...scope, "--server", "local"]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/injection: ready/);
    expect(plan.stdout).toMatch(new RegExp(`${binding.id}\\s+${imported.id}\\s+DATABASE_URL\\s+secret://${imported.id}/connection@1\\s+ready`));

    const first = await json<{ id: string; status: string; snapshot: Array<{ secretRef: string }> }>(["deployments", "create", "--resource", resource.id, "--server", local.id, "--wait"]);
    expect(first.status).toBe("running");
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true, visits: 1 });
    expect((await berth(["deployments", "stop", first.id])).code).toBe(0);

    // The external password changed: a new secret version, the binding moves to it.
    await json(["dependency", "update-connection", imported.id, "--connection-url-stdin"], connectionUrl);
    const rotated = await berth(["resource", "dependency", "rotate-secret", binding.id, "--latest"]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`secret://${imported.id}/connection@2`);

    const second = await json<{ id: string; status: string; snapshot: Array<{ secretRef: string }> }>(["deployments", "create", "--resource", resource.id, "--server", local.id, "--wait"]);
    expect(second.status).toBe("running");
    expect(second.snapshot.map((s) => s.secretRef)).toEqual([`secret://${imported.id}/connection@2`]);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toEqual({ ok: true, visits: 2 });
    const old = await json<{ snapshot: Array<{ secretRef: string }> }>(["deployments", "show", first.id]);
    expect(old.snapshot.map((s) => s.secretRef)).toEqual([`secret://${imported.id}/connection@1`]);

    const show = await berth(["deployments", "show", second.id]);
    expect(show.stdout).toMatch(/status:\s+running/);
    const events = await json<{ items: Array<{ type: string; deploymentId: string }> }>(["deployments", "events", "--resource", resource.id]);
    expect(events.items.map((e) => `${e.deploymentId === first.id ? "first" : "second"} ${e.type}`)).toEqual([
      "first created",
      "first started",
      "first stopped",
      "second created",
      "second started",
    ]);
    expect((await berth(["deployments", "stop", second.id])).code).toBe(0);
  });

  it("a blocked plan exits 5 and create refuses with the reason, creating nothing", async () => {
    const scope = ["--project", "prj_cli", "--environment", "env_blk"];
    const planted = plantedSecret("cli3");
    const dep = await json<{ id: string }>(["dependency", "import", "--kind", "redis", ...scope, "--name", "cache", "--connection-url-stdin"], `redis://default:${planted}@cache.internal:6379/0`);
    const resource = await json<{ id: string }>(["resource", "create", ...scope, "--name", "site", "--command", "true"]);
    const cdn = await json<{ id: string }>(["server", "create", "--name", "cdn", "--kind", "static"]);
    await json(["resource", "dependency", "bind", resource.id, "--dependency", dep.id, "--target", "REDIS_URL"]);

    const plan = await berth(["deployments", "plan", "--resource", resource.id, "--server", cdn.id]);
    expect(plan.code).toBe(5);
    expect(plan.stdout).toMatch(/injection: blocked/);
    expect(plan.stdout).toContain("runtime_target_cannot_deliver_secrets");
    const create = await berth(["deployments", "create", "--resource", resource.id, "--server", cdn.id]);
    expect(create.code).toBe(5);
    expect(create.stderr).toContain("[dependency_runtime_injection_blocked]");
    const list = await json<{ items: unknown[] }>(["deployments", "list", "--resource", resource.id]);
    expect(list.items).toEqual([]);
    for (const text of [...outputs, served.server.output()]) expect(text.includes(planted)).toBe(false);
  });
});
