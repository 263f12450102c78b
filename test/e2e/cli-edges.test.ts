import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { cliSession, REPO_ROOT, type CliResult } from "../support/server-process.js";

// Rough edges a new user meets in the CLI (issue 14): one JSON shape, plan warnings about outdated
// binding secrets, backup policies of deleted dependencies and of minutes, and where `berth deploy`
// looks for berth.yaml.
const deployment = testDeployment();
const served = serveForTests(deployment);
const { berth, json, outputs } = cliSession(() => served.env);
const scope = ["--project", "prj_edges", "--environment", "env_edges"];
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real Postgres database (managed, on the test target) imported again under `name`: a dependency whose connection works. */
async function importedPostgres(name: string): Promise<{ id: string; connectionUrl: string }> {
  const managed = await json<{ id: string; connectionSecretRef: string }>(["dependency", "provision", "--kind", "postgres", ...scope, "--name", `${name}-src`, "--wait"]);
  const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: managed.connectionSecretRef, purpose: "test" });
  const imported = await json<{ id: string }>(["dependency", "import", "--kind", "postgres", ...scope, "--name", name, "--connection-url-stdin", "--probe"], connectionUrl);
  return { id: imported.id, connectionUrl };
}

/** The value of a `key: value` line of a `show` table. */
function field(table: string, key: string): string {
  const line = table.split("\n").find((l) => l.startsWith(`${key}:`));
  if (!line) throw new Error(`no ${key} in:\n${table}`);
  return line.slice(key.length + 1).trim();
}

describe("-o json has one shape: the table's words, every field present", () => {
  it("spells enums as the table does and keeps false, 0 and unset fields", async () => {
    const db = await importedPostgres("json-db");
    const table = (await berth(["dependency", "show", db.id])).stdout;
    const shown = await json<Record<string, unknown>>(["dependency", "show", db.id]);
    expect(shown.status).toBe(field(table, "status").split(" ")[0]);
    expect(shown.source).toBe("imported");
    expect(shown.dataClass).toBe("unclassified");
    expect(shown.deletionProtection).toBe(false);
    expect(shown).toHaveProperty("deleteTime", null);
    expect(Object.keys(shown)).toEqual(expect.arrayContaining(["id", "statusReason", "metadata", "realizationTarget", "provenance"]));
    const listed = await json<{ items: Array<Record<string, unknown>>; nextPageToken: string }>(["dependency", "list", ...scope]);
    expect(listed.nextPageToken).toBe("");
    expect(listed.items.find((d) => d.id === db.id)).toEqual(shown);

    const policy = await json<Record<string, unknown>>(["dependency", "backup", "policy", "configure", db.id, "--interval-hours", "24", "--retention-days", "7"]);
    expect(policy).toMatchObject({ retryOnFailure: false, verifyEvery: 0, enabled: true, intervalHours: 24, lastAttempt: null, schedulerEnabled: false });

    // Nothing secret in any of it.
    const password = decodeURIComponent(new URL(db.connectionUrl).password);
    expect(password.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).not.toContain(password);
  });
});

describe("deployments plan: a binding behind its dependency's current secret", () => {
  it("is flagged with binding_secret_outdated until it is moved to the latest version", async () => {
    const db = await importedPostgres("rotating-db");
    const resource = await json<{ id: string }>(["resource", "create", ...scope, "--name", "web", "--command", "node app.js"]);
    await json(["server", "create", "--name", "local", "--kind", "local-process"]);
    const binding = await json<{ id: string; secretRef: string }>(["resource", "dependency", "bind", resource.id, "--dependency", db.id, "--target", "DATABASE_URL"]);
    expect(binding.secretRef).toBe(`secret://${db.id}/connection@1`);
    const plan = () => json<{ injection: { state: string }; warnings: Array<{ reason: string; bindingId: string; message: string }> }>(["deployments", "plan", "--resource", "web", ...scope, "--server", "local"]);
    expect((await plan()).warnings.map((w) => w.reason)).not.toContain("binding_secret_outdated");

    // The connection changes (a new secret version); the binding still delivers version 1.
    await json(["dependency", "update-connection", db.id, "--connection-url-stdin"], db.connectionUrl);
    const behind = await plan();
    expect(behind.injection.state).toBe("ready");
    const warning = behind.warnings.find((w) => w.reason === "binding_secret_outdated");
    expect(warning, JSON.stringify(behind.warnings)).toMatchObject({ bindingId: binding.id });
    expect(warning!.message).toContain(`secret://${db.id}/connection@1`);
    expect(warning!.message).toContain(`secret://${db.id}/connection@2`);
    expect(warning!.message).toContain(`berth resource dependency rotate-secret ${binding.id} --latest`);
    const table = await berth(["deployments", "plan", "--resource", "web", ...scope, "--server", "local"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/warning \[binding_secret_outdated\]: binding bnd_/);

    expect((await berth(["resource", "dependency", "rotate-secret", binding.id, "--latest"])).code).toBe(0);
    expect((await plan()).warnings.map((w) => w.reason)).not.toContain("binding_secret_outdated");
  });
});

describe("backup policies", () => {
  it("take an interval in minutes, with a documented minimum", async () => {
    const db = await importedPostgres("minutes-db");
    const policy = await json<Record<string, unknown>>(["dependency", "backup", "policy", "configure", db.id, "--interval-minutes", "5", "--retention-days", "1"]);
    expect(policy).toMatchObject({ intervalMinutes: 5, intervalHours: 0, enabled: true });
    const due = Date.parse(policy.nextRunTime as string) - Date.now();
    expect(due).toBeGreaterThan(3 * 60_000);
    expect(due).toBeLessThanOrEqual(5 * 60_000);
    expect((await berth(["dependency", "backup", "policy", "show", db.id])).stdout).toMatch(/every:\s+5 min/);
    expect((await berth(["dependency", "backup", "policy", "list", "--dependency", db.id])).stdout).toMatch(/\s5m\s/);

    const hourly = await json<Record<string, unknown>>(["dependency", "backup", "policy", "configure", db.id, "--interval-hours", "2", "--retention-days", "1"]);
    expect(hourly).toMatchObject({ intervalMinutes: 120, intervalHours: 2 });

    const both = await berth(["dependency", "backup", "policy", "configure", db.id, "--interval-hours", "1", "--interval-minutes", "5", "--retention-days", "1"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("[invalid_argument]");
    const zero = await berth(["dependency", "backup", "policy", "configure", db.id, "--interval-minutes", "0", "--retention-days", "1"]);
    expect(zero.code).toBe(2);
    // The server checks too: a raw request with both set is refused and changes nothing.
    await expect(served.api.backup.configureBackupPolicy({ requestId: "both", dependencyId: db.id, intervalHours: 1, intervalMinutes: 5, retentionDays: 1, retryOnFailure: false, enabled: true })).rejects.toMatchObject({
      reason: "invalid_argument",
    });
    await expect(served.api.backup.configureBackupPolicy({ requestId: "tiny", dependencyId: db.id, intervalHours: 0, intervalMinutes: 0, retentionDays: 1, retryOnFailure: false, enabled: true })).rejects.toMatchObject({
      reason: "invalid_argument",
    });
    expect(await json(["dependency", "backup", "policy", "show", db.id])).toMatchObject({ intervalMinutes: 120 });
  });

  it("of a deleted dependency no longer show as active", async () => {
    const db = await importedPostgres("doomed-db");
    const configured = await json<{ id: string; enabled: boolean }>(["dependency", "backup", "policy", "configure", db.id, "--interval-hours", "24", "--retention-days", "7"]);
    expect(configured.enabled).toBe(true);
    const enabledOnly = async () => (await json<{ items: Array<{ id: string }> }>(["dependency", "backup", "policy", "list", "--enabled-only"])).items.map((p) => p.id);
    expect(await enabledOnly()).toContain(configured.id);

    // Deleted through the API (the CLI's delete asks for a confirmation elsewhere).
    await served.api.dependency.deleteDependency({ id: db.id, requestId: `delete-${db.id}` });

    const listed = await json<{ items: Array<{ id: string; enabled: boolean; disabledReason: string }> }>(["dependency", "backup", "policy", "list", "--dependency", db.id]);
    expect(listed.items).toEqual([expect.objectContaining({ id: configured.id, enabled: false, disabledReason: expect.stringContaining(`dependency ${db.id} was deleted`) })]);
    expect(await enabledOnly()).not.toContain(configured.id);
    const table = await berth(["dependency", "backup", "policy", "list", "--dependency", db.id]);
    expect(table.stdout).toMatch(new RegExp(`${configured.id}.*no \\(dependency deleted\\)`));
    expect((await berth(["dependency", "backup", "policy", "show", configured.id])).stdout).toMatch(/enabled:\s+no \(dependency dep_\S+ was deleted/);
  });
});

describe("berth deploy finds berth.yaml where the user ran it", () => {
  function pnpmBerth(cwd: string, args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile("pnpm", ["-s", "-C", REPO_ROOT, "berth", ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...served.env } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it("reads the app directory's berth.yaml through `pnpm -C`, and its forbidden-key message names a command that exists", async () => {
    const app = realpathSync(mkdtempSync(join(tmpdir(), "berth-app-")));
    dirs.push(app);
    writeFileSync(
      join(app, "berth.yaml"),
      ["resource: web", "run:", "  command: node app.js", "dependencies:", "  db:", "    kind: postgres", "    backupId: bkp_7Hq2Lm9PzXw4", "    bind:", "      env: DATABASE_URL", ""].join("\n"),
    );
    const result = await pnpmBerth(app, ["deploy", ...scope, "--server", "local"]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(join(app, "berth.yaml"));
    expect(result.stderr).toContain("[config_secret_value_forbidden]");
    const named = /`(berth [a-z][a-z -]*[a-z])/.exec(result.stderr);
    expect(named, result.stderr).not.toBeNull();
    const words = named![1].split(" ").slice(1);
    const help = await berth([...words, "--help"]);
    expect(help.code, `${named![1]} --help: ${help.stderr}`).toBe(0);
  });

  it("says exactly where it looked when there is none", async () => {
    const empty = realpathSync(mkdtempSync(join(tmpdir(), "berth-noapp-")));
    dirs.push(empty);
    const result = await pnpmBerth(empty, ["deploy", ...scope, "--server", "local"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(empty, "berth.yaml"));
    expect(result.stderr).toContain(join(REPO_ROOT, "berth.yaml"));
    expect(result.stderr).toContain("--config");
  });
});
