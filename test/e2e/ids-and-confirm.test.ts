import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBerthApiError } from "@berth/client";
import { POSTGRES_ADMIN_URL, plantedSecret } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { CLI, REPO_ROOT, cliSession, runCli } from "../support/server-process.js";

// Unknown ids and names are NOT_FOUND errors (never an empty list), every command takes a name where
// it takes an id, destructive commands confirm, the API address is --api, realization targets are listable.
const deployment = testDeployment();
const targetPassword = plantedSecret("target");
afterAll(() => {
  // No planted secret in any output (the targets' admin URL password below).
  for (const output of outputs) expect(output).not.toContain(targetPassword);
});
const served = serveForTests(deployment, () =>
  deployment.start({
    targets: [
      { name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL },
      { name: "spare", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL },
      { name: "cache", kind: "redis", adminUrl: `redis://default:${targetPassword}@127.0.0.1:6379/0` },
    ],
  }),
);
const { berth, json, outputs } = cliSession(() => served.env);
const scope = ["--project", "prj_ids", "--environment", "env_a"];

/** Asserts a NOT_FOUND exit with the parent's stable reason. */
async function expectNotFound(args: string[], reason: string, mentions?: string) {
  const result = await berth(args);
  expect(result.code, `${args.join(" ")}\n${result.stdout}${result.stderr}`).toBe(3);
  expect(result.stderr).toContain(`[${reason}]`);
  if (mentions) expect(result.stderr).toContain(mentions);
  expect(result.stdout).toBe("");
}

describe("unknown ids and names", () => {
  let webId = "";
  let cacheId = "";
  let dbId = "";

  beforeAll(async () => {
    webId = (await json<{ id: string }>(["resource", "create", ...scope, "--name", "web", "--command", "node app.js"])).id;
    const importDep = async (name: string, kind: string, url: string) =>
      (await json<{ id: string }>(["dependency", "import", "--kind", kind, ...scope, "--name", name, "--connection-url-stdin"], `${url}\n`)).id;
    cacheId = await importDep("cache", "redis", "redis://cache.internal:6379/0");
    dbId = await importDep("db", "postgres", "postgres://app:pw@db.internal:5432/app");
    // Both bound by name: the resource in --project/--environment, the dependency where the resource lives.
    for (const [dependency, target] of [["cache", "REDIS_URL"], ["db", "DATABASE_URL"]]) {
      const bound = await berth(["resource", "dependency", "bind", "web", ...scope, "--dependency", dependency, "--target", target]);
      expect(bound.code, bound.stderr).toBe(0);
    }
  });

  it("lists a resource's bindings by name, and an unknown resource is NOT_FOUND, not 'No bindings found'", async () => {
    const byName = await json<{ items: Array<{ dependencyId: string }> }>(["resource", "dependency", "list", "web", ...scope]);
    expect(byName.items.map((b) => b.dependencyId).sort()).toEqual([cacheId, dbId].sort());
    const byId = await json<{ items: unknown[] }>(["resource", "dependency", "list", webId]);
    expect(byId.items).toHaveLength(2);

    const unscoped = await berth(["resource", "dependency", "list", "web"]);
    expect(unscoped.code).toBe(2);
    expect(unscoped.stderr).toContain("resource web is a resource name: also pass --project and --environment");

    await expectNotFound(["resource", "dependency", "list", "nope", ...scope], "resource_not_found", "no resource named nope in prj_ids/env_a");
    await expectNotFound(["resource", "dependency", "list", "res_NOPE"], "resource_not_found", "res_NOPE");
    await expectNotFound(["resource", "show", "nope", ...scope], "resource_not_found");
    await expectNotFound(["resource", "dependency", "bind", "web", ...scope, "--dependency", "nope", "--target", "X_URL"], "dependency_not_found", "no dependency named nope in prj_ids/env_a");
  });

  it("every list filtered by a dependency, backup or policy answers NOT_FOUND for an unknown one", async () => {
    await expectNotFound(["dependency", "bindings", "dep_NOPE"], "dependency_not_found", "dep_NOPE");
    await expectNotFound(["dependency", "backup", "list", "dep_NOPE"], "dependency_not_found", "dep_NOPE");
    await expectNotFound(["dependency", "backup", "restores", "dep_NOPE"], "dependency_not_found");
    await expectNotFound(["dependency", "backup", "restores", cacheId, "--backup", "bkp_NOPE"], "backup_not_found", "bkp_NOPE");
    await expectNotFound(["dependency", "backup", "drills", "dep_NOPE"], "dependency_not_found");
    await expectNotFound(["dependency", "backup", "policy", "list", "dep_NOPE"], "dependency_not_found");
    await expectNotFound(["dependency", "backup", "policy", "attempts", "dbp_NOPE"], "backup_policy_not_found", "dbp_NOPE");
    await expectNotFound(["dependency", "backup", "list", "nope", ...scope], "dependency_not_found", "no dependency named nope in prj_ids/env_a");
    await expectNotFound(["dependency", "show", "nope", ...scope], "dependency_not_found");
    await expectNotFound(["dependency", "readiness", "nope", ...scope], "dependency_not_found");

    // Known ones, by id and by name, still list (empty is fine when the parent exists).
    expect((await json<{ items: unknown[] }>(["dependency", "bindings", "cache", ...scope])).items).toHaveLength(1);
    expect((await json<{ items: unknown[] }>(["dependency", "backup", "list", "cache", ...scope])).items).toEqual([]);
    expect((await json<{ id: string }>(["dependency", "show", "db", ...scope])).id).toBe(dbId);
  });

  it("deployments and their events answer NOT_FOUND for an unknown resource, server or deployment", async () => {
    expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
    await expectNotFound(["deployments", "list", "--resource", "res_NOPE"], "resource_not_found");
    await expectNotFound(["deployments", "list", "--server", "srv_NOPE"], "runtime_target_not_found");
    await expectNotFound(["deployments", "list", "--server", "nope"], "runtime_target_not_found", "no server named nope");
    await expectNotFound(["deployments", "events", "--resource", "res_NOPE"], "resource_not_found");
    await expectNotFound(["deployments", "events", "--resource", "web", ...scope, "--deployment", "dpl_NOPE"], "deployment_not_found");
    expect((await json<{ items: unknown[] }>(["deployments", "list", "--resource", "web", ...scope, "--server", "local"])).items).toEqual([]);
    expect((await json<{ id: string }>(["server", "show", "local"])).id).toMatch(/^srv_/);
  });

  it("API callers get the same NOT_FOUND (enforced by each service, not the CLI)", async () => {
    const { api } = served;
    const reasonOf = (call: Promise<unknown>) => call.then(() => "ok", (error: unknown) => (isBerthApiError(error) ? error.reason : String(error)));
    expect(await reasonOf(api.binding.listBindings({ projectId: "", environmentId: "", resourceId: "res_NOPE", dependencyId: "", includeUnbound: false, pageSize: 0, pageToken: "" }))).toBe("resource_not_found");
    expect(await reasonOf(api.binding.listBindings({ projectId: "", environmentId: "", resourceId: "", dependencyId: "dep_NOPE", includeUnbound: false, pageSize: 0, pageToken: "" }))).toBe("dependency_not_found");
    expect(await reasonOf(api.backup.listBackups({ dependencyId: "dep_NOPE", status: 0, pageSize: 0, pageToken: "", showDeleted: false }))).toBe("dependency_not_found");
    expect(await reasonOf(api.backup.listRestores({ dependencyId: "", backupId: "bkp_NOPE", status: 0, pageSize: 0, pageToken: "" }))).toBe("backup_not_found");
    expect(await reasonOf(api.backup.listBackupPolicies({ dependencyId: "dep_NOPE", enabledOnly: false, pageSize: 0, pageToken: "" }))).toBe("dependency_not_found");
    expect(await reasonOf(api.backup.listBackupAttempts({ policyId: "", dependencyId: "dep_NOPE", outcome: 0, pageSize: 0, pageToken: "" }))).toBe("dependency_not_found");
    expect(await reasonOf(api.deployment.listDeployments({ projectId: "", environmentId: "", resourceId: "", runtimeTargetId: "srv_NOPE", status: 0, pageSize: 0, pageToken: "" }))).toBe("runtime_target_not_found");
    expect(await reasonOf(api.deployment.listDeploymentEvents({ resourceId: "res_NOPE", deploymentId: "", pageSize: 0, pageToken: "" }))).toBe("resource_not_found");
    // Unfiltered lists are unaffected.
    expect(await reasonOf(api.binding.listBindings({ projectId: "", environmentId: "", resourceId: "", dependencyId: "", includeUnbound: false, pageSize: 0, pageToken: "" }))).toBe("ok");
  });

  it("`backup policy list` takes the dependency as a positional (id or name) as well as --dependency", async () => {
    const configured = await berth(["dependency", "backup", "policy", "configure", "db", ...scope, "--interval-hours", "24", "--retention-days", "7"]);
    expect(configured.code, configured.stderr).toBe(0);
    const positional = await json<{ items: Array<{ dependencyId: string }> }>(["dependency", "backup", "policy", "list", dbId]);
    expect(positional.items.map((p) => p.dependencyId)).toEqual([dbId]);
    const byName = await json<{ items: Array<{ dependencyId: string }> }>(["dependency", "backup", "policy", "list", "db", ...scope]);
    expect(byName.items.map((p) => p.dependencyId)).toEqual([dbId]);
    const flag = await json<{ items: Array<{ dependencyId: string }> }>(["dependency", "backup", "policy", "list", "--dependency", dbId]);
    expect(flag.items.map((p) => p.dependencyId)).toEqual([dbId]);
    expect((await json<{ items: unknown[] }>(["dependency", "backup", "policy", "list", cacheId])).items).toEqual([]);
    const shown = await json<{ dependencyId: string }>(["dependency", "backup", "policy", "show", "db", ...scope]);
    expect(shown.dependencyId).toBe(dbId);
  });
});

describe("destructive commands confirm", () => {
  let depId = "";
  let backupId = "";

  beforeAll(async () => {
    depId = (await json<{ id: string }>(["dependency", "provision", "--kind", "postgres", "--project", "prj_ids", "--environment", "env_del", "--name", "doomed", "--wait"])).id;
    backupId = (await json<{ id: string }>(["dependency", "backup", "create", depId, "--wait"])).id;
  }, 120_000);

  it("refuses without --yes when stdin is not a terminal, changing nothing", async () => {
    for (const args of [
      ["dependency", "delete", depId],
      ["dependency", "backup", "delete", backupId],
      ["dependency", "backup", "restore", backupId, "--acknowledge-data-overwrite"],
    ]) {
      const refused = await berth(args);
      expect(refused.code, `${args.join(" ")}: ${refused.stderr}`).toBe(2);
      expect(refused.stderr).toContain("[confirmation_required]");
      expect(refused.stderr).toContain("--yes");
      expect(refused.stderr).toContain("nothing was changed");
    }
    expect((await json<{ status: string }>(["dependency", "show", depId])).status).toBe("ready");
    expect((await json<{ status: string }>(["dependency", "backup", "show", backupId])).status).toBe("succeeded");
    expect((await json<{ items: unknown[] }>(["dependency", "backup", "restores", depId])).items).toEqual([]);
  });

  it("asks on a terminal: a wrong answer changes nothing, typing the name confirms", async () => {
    // `script` gives the CLI a real pseudo-terminal; the answer is typed into it.
    const onTerminal = (args: string[], answer: string) => {
      const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(" ");
      const run = spawnSync("script", ["-qec", command, "/dev/null"], { input: `${answer}\n`, env: { ...process.env, ...served.env }, encoding: "utf8", timeout: 60_000 });
      outputs.push(run.stdout ?? "", run.stderr ?? "");
      return run;
    };
    const declined = onTerminal(["dependency", "backup", "delete", backupId], "no");
    expect(declined.status).toBe(2);
    expect(declined.stdout).toContain(`Type ${backupId} (or y) to confirm`);
    expect(declined.stdout).toContain("[confirmation_declined]");
    expect((await json<{ status: string }>(["dependency", "backup", "show", backupId])).status).toBe("succeeded");

    const confirmed = onTerminal(["dependency", "backup", "delete", backupId], backupId);
    expect(confirmed.status, confirmed.stdout).toBe(0);
    const deleted = await berth(["dependency", "backup", "list", depId]);
    expect(deleted.stdout).not.toContain(backupId);
  }, 120_000);

  it("--yes confirms for scripts", async () => {
    const deleted = await berth(["dependency", "delete", "doomed", "--project", "prj_ids", "--environment", "env_del", "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect((await json<{ status: string }>(["dependency", "show", depId])).status).toMatch(/^(deleting|deleted)$/);
  });

  it("preview cleanup refuses without --yes (a dry run needs none)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "berth-ids-"));
    const config = join(dir, "berth.yaml");
    writeFileSync(config, "resource: web\nrun:\n  command: node app.js\npreview:\n  lifecycle: ephemeral\n");
    const args = ["preview", "cleanup", "--project", "prj_ids", "--environment", "env_pv", "--preview", "pr-1", "--config", config];
    const refused = await berth(args);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain("[confirmation_required]");
    expect((await berth([...args, "--dry-run"])).code).toBe(0);
    expect((await berth([...args, "--yes"])).code).toBe(0);
  });
});

describe("the API address is --api; --server is always a runtime target", () => {
  it("--api and BERTH_API choose the API; BERTH_SERVER still works with a notice", async () => {
    const noEnv = { BERTH_TOKEN: deployment.secrets.adminToken, BERTH_HOME: "/nonexistent-berth-home" };
    const flag = await runCli(["--api", served.server.address, "dependency", "list"], noEnv);
    expect(flag.code, flag.stderr).toBe(0);
    expect(flag.stderr).toBe("");
    const old = await runCli(["dependency", "list"], { ...noEnv, BERTH_SERVER: served.server.address });
    expect(old.code, old.stderr).toBe(0);
    expect(old.stderr.trim().split("\n")).toEqual([expect.stringContaining("BERTH_SERVER is deprecated")]);
    const both = await runCli(["dependency", "list"], { ...noEnv, BERTH_SERVER: "127.0.0.1:1", BERTH_API: served.server.address });
    expect(both.code, both.stderr).toBe(0);
  });

  it("--server names a runtime target wherever it is written, and an address there points to --api", async () => {
    const listed = await berth(["--api", served.server.address, "deployments", "list", "--server", "local"]);
    expect(listed.code, listed.stderr).toBe(0);
    const misplaced = await berth(["--server", served.server.address, "dependency", "list"]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain(`--api ${served.server.address}`);
    const help = await berth(["--help"]);
    expect(help.stdout).toContain("--api <host:port>");
    expect(help.stdout).not.toMatch(/--server <host:port>/);
  });
});

describe("realization targets", () => {
  it("`berth target list` shows each target's kind and default, never its admin URL", async () => {
    const table = await berth(["target", "list"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/main\s+postgres\s+\S+\s+yes/);
    expect(table.stdout).toMatch(/spare\s+postgres\s+\S+\s+no/);
    expect(table.stdout).toMatch(/cache\s+redis\s+\S+\s+yes/);
    expect(table.stdout).not.toContain("redis://");
    const redis = await json<{ items: Array<Record<string, unknown>> }>(["target", "list", "--kind", "redis"]);
    expect(redis.items).toEqual([{ name: "cache", kind: "redis", provider: expect.any(String), isDefault: true }]);
    expect(JSON.stringify(redis)).not.toContain("127.0.0.1:6379");
  });

  it("a kind without a target says where the README explains operator config, and that section exists", async () => {
    const refused = await berth(["dependency", "provision", "--kind", "mysql", "--project", "prj_ids", "--environment", "env_a", "--name", "nowhere"]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("[realization_target_unavailable]");
    const section = /README "([^"]+)"/.exec(refused.stderr)?.[1];
    expect(section).toBe("Realization targets");
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    expect(readme).toMatch(new RegExp(`^#+ ${section}$`, "m"));
    expect(refused.stderr).toContain("berth target list");
  });
});
