import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { adminQuery, databaseUrl, plantedSecret, POSTGRES_ADMIN_URL, uniqueSuffix } from "../support/env.js";
import { freePort } from "../support/net.js";
import { cliSession, REPO_ROOT } from "../support/server-process.js";

// An operator installs a third-party provider next to Berth's config (here: test/, whose
// package.json depends on @acme/berth-provider-pgschema), names it in `providers`, and
// gives it a realization target; users then drive it with the ordinary `berth` verbs.
const PLUGIN = "@acme/berth-provider-pgschema";
const INSTALL_DIR = join(REPO_ROOT, "test");
const INCOMPATIBLE_PLUGIN = fileURLToPath(new URL("../fixtures/incompatible-provider/index.mjs", import.meta.url));
const SHADOWING_PLUGIN = fileURLToPath(new URL("../fixtures/shadowing-provider/index.mjs", import.meta.url));
const REPORT_APP = fileURLToPath(new URL("../fixtures/connection-report-app.mjs", import.meta.url));

const deployment = testDeployment();
const sharedDatabase = `berth_pgs_${uniqueSuffix()}`;
// The admin URL's password is planted (the local server trusts 127.0.0.1, so any works):
// it must never show in CLI output or the server's logs.
const adminUrl = new URL(databaseUrl(sharedDatabase));
if (!adminUrl.password) adminUrl.password = plantedSecret("pgsadmin");
const secrets = [decodeURIComponent(adminUrl.password)];
beforeAll(() => adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(sharedDatabase)}`));
const served = serveForTests(
  deployment,
  () =>
    deployment.start(
      {
        providers: [PLUGIN],
        targets: [
          { name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL },
          { name: "previews", kind: "postgres-schema", adminUrl: adminUrl.toString() },
        ],
      },
      { cwd: INSTALL_DIR },
    ),
  // The shared database goes first: the deployment's cleanup then drops the dependencies' berth_<id> roles.
  { afterStop: () => adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(sharedDatabase)} WITH (FORCE)`) },
);
const { berth, json, outputs } = cliSession(() => served.env);

describe("a third-party provider loaded by package name", () => {
  it("is built to stand alone: its bundle imports only its driver and Node built-ins (the SDK is inlined)", () => {
    const bundle = readFileSync(join(INSTALL_DIR, "plugins/berth-provider-pgschema/dist/index.js"), "utf8");
    const imported = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((name) => name !== "pg" && !builtinModules.includes(name.replace(/^node:/, "")))).toEqual([]);
  });

  it("serves postgres-schema dependencies through the CLI: provision, back up, restore, delete", async () => {
    const providers = await berth(["provider", "list"]);
    expect(providers.code, providers.stderr).toBe(0);
    expect(providers.stdout).toMatch(/@acme\/berth-provider-pgschema\s+1\.0\.0\s+\^1\.0\.0\s+postgres-schema\s+realize,release,probe,\w*[bB]ackup,restore\s/);

    const provisioned = await berth(["dependency", "provision", "--kind", "postgres-schema", "--project", "prj_plugin", "--environment", "env_pr42", "--name", "preview-db", "--wait"]);
    expect(provisioned.code, provisioned.stderr).toBe(0);
    expect(provisioned.stdout).toMatch(/status:\s+ready/);
    const id = /id:\s+(dep_\S+)/.exec(provisioned.stdout)![1];
    const schema = `berth_${id.toLowerCase()}`;
    expect(provisioned.stdout).toContain(`postgres://${schema}:****@127.0.0.1:${adminUrl.port || 5432}/${sharedDatabase}`);

    // The app's view: the delivered URL, used unchanged.
    const { dependency } = await served.internal.dependency.getDependency({ id });
    const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency!.connectionSecretRef, purpose: "e2e" });
    secrets.push(decodeURIComponent(new URL(connectionUrl).password));
    const sql = <T extends pg.QueryResultRow>(text: string) => adminQuery<T>(text, [], connectionUrl);
    expect(await sql("SELECT current_schema() AS schema")).toEqual([{ schema }]);
    await sql("CREATE TABLE orders (id serial PRIMARY KEY, item text); INSERT INTO orders (item) SELECT 'item ' || g FROM generate_series(1, 300) g");

    const backup = await json<{ id: string; status: string; kind: string; format: string }>(["dependency", "backup", "create", id, "--wait"]);
    expect(backup).toMatchObject({ status: "succeeded", kind: "native", format: "pg-schema-dump-v1" });

    await sql("DELETE FROM orders WHERE id > 3; CREATE TABLE scratch_after_backup (id int)");
    const restored = await berth(["dependency", "backup", "restore", backup.id, "--acknowledge-data-overwrite", "--yes", "--wait"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect((await sql<{ n: number }>("SELECT count(*)::int AS n FROM orders"))[0].n).toBe(300);
    expect(await sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")).toEqual([{ tablename: "orders" }]);

    // Backups (also the safety backup the restore took first) hold a dependency back from deletion.
    const safetyId = /safety backup:\s+(bkp_\w+)/.exec(restored.stdout)?.[1];
    expect(safetyId, restored.stdout).toBeDefined();
    expect((await berth(["dependency", "backup", "delete", backup.id, "--yes"])).code).toBe(0);
    expect((await berth(["dependency", "backup", "delete", safetyId!, "--yes"])).code).toBe(0);
    const deleted = await berth(["dependency", "delete", id, "--yes"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/status:\s+deleted/);
    expect(await adminQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema], databaseUrl(sharedDatabase))).toEqual([]);
    expect(await adminQuery("SELECT 1 FROM pg_roles WHERE rolname = $1", [schema])).toEqual([]);
    expect(served.server.output(), "the server logged this dependency's jobs (the log scan below reads real content)").toContain(id);
  }, 120_000);

  it("never shows the target's admin password or a dependency's password in CLI output or server logs", () => {
    expect(secrets.length, "the previous test resolved the dependency's password").toBe(2);
    const seen = [...outputs, served.server.output()].join("\n");
    for (const secret of secrets) expect(seen.includes(secret), "a secret leaked into CLI output or server logs").toBe(false);
  });

  it("refuses to start when a configured plugin is built for another SDK major, is not installed, or claims a built-in kind, naming each", async () => {
    const missing = "@acme/berth-provider-not-installed";
    const refusal = await deployment.start({ providers: [INCOMPATIBLE_PLUGIN, missing, SHADOWING_PLUGIN] }, { cwd: INSTALL_DIR }).then(
      async (started) => {
        await started.stop();
        throw new Error("the server started with a broken plugin configuration");
      },
      (error: Error) => error.message,
    );
    expect(refusal).toMatch(/exited with 2 before listening/);
    expect(refusal).toContain("[config_invalid]");
    expect(refusal).toContain(`providers: provider plugin ${INCOMPATIBLE_PLUGIN} was built for provider SDK ^2.0.0, but this Berth implements 1.0.0; upgrade the plugin or Berth`);
    expect(refusal).toContain(`providers: cannot find ${missing}; install it where Berth runs (npm install ${missing})`);
    expect(refusal).toContain(`providers: ${SHADOWING_PLUGIN} declares kind redis (already handled by @berth/provider-redis); one provider per kind`);
    for (const secret of secrets) expect(refusal.includes(secret)).toBe(false);
  });
});

describe("a plugin's kind in berth.yaml", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-plugin-kind-"));
  const scope = ["--project", "prj_plugin", "--environment", "env_yaml"];
  afterAll(async () => {
    const list = await berth(["deployments", "list", ...scope, "-o", "json"]);
    for (const d of list.code === 0 ? (JSON.parse(list.stdout).items as Array<{ id: string; status: string }>) : []) {
      if (d.status === "running") await berth(["deployments", "stop", d.id]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(name: string, kind: string, port: number): string {
    const path = join(dir, name);
    writeFileSync(
      path,
      `resource: preview-web
run:
  command: '"${process.execPath}" "${REPORT_APP}" ${port} DATABASE_URL'
  healthUrl: http://127.0.0.1:${port}/health
dependencies:
  preview-db:
    kind: ${kind}
    bind:
      env: DATABASE_URL
`,
    );
    return path;
  }

  it("is declared, deployed by the CLI (provisioned, bound) and its connection delivered to the app by local-process", async () => {
    const created = await berth(["server", "create", "--name", "plugin-local", "--kind", "local-process"]);
    expect(created.code, created.stderr).toBe(0);
    const target = await json<{ injectableDependencyKinds: string[] }>(["server", "show", "plugin-local"]);
    expect(target.injectableDependencyKinds).toContain("postgres-schema");

    const port = await freePort();
    const deployed = await json<{ changes: Array<{ subject: string; action: string; name: string }>; deploymentId: string; deploymentStatus: string }>([
      "deploy",
      ...scope,
      "--server",
      "plugin-local",
      "--config",
      writeConfig("berth.yaml", "postgres-schema", port),
    ]);
    expect(deployed.changes.map((c) => `${c.subject}:${c.action}:${c.name}`).sort()).toEqual(
      ["binding:bind:DATABASE_URL", "dependency:provision:preview-db", "deployment:create:preview-web", "resource:create:preview-web"].sort(),
    );
    expect(deployed.deploymentStatus).toBe("running");

    // The app got the plugin dependency's own connection, password and all (it reports only that it has one).
    const dependency = (await json<{ items: Array<{ id: string; kind: string; name: string }> }>(["dependency", "list", ...scope])).items.find((d) => d.name === "preview-db")!;
    expect(dependency.kind).toBe("postgres-schema");
    const schema = `berth_${dependency.id.toLowerCase()}`;
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { received: Record<string, unknown> | null };
    expect(health.received).toEqual({ scheme: "postgres", host: "127.0.0.1", port: adminUrl.port || "5432", user: schema, path: `/${sharedDatabase}`, hasPassword: true });
    const logs = await berth(["deployments", "logs", deployed.deploymentId]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("DATABASE_URL received");
  }, 120_000);

  it("an unknown kind fails deploy at its line, naming the kinds the server's providers declare, and changes nothing", async () => {
    const refused = await berth(["deploy", "--project", "prj_plugin", "--environment", "env_typo", "--server", "plugin-local", "--config", writeConfig("typo.yaml", "postgres-schemas", await freePort())]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("dependencies.preview-db.kind");
    expect(refused.stderr).toMatch(/no provider the server loads declares kind postgres-schemas; must be one of .*postgres-schema.* \(did you mean "postgres-schema"\?\)/);
    const list = await json<{ items: unknown[] }>(["dependency", "list", "--project", "prj_plugin", "--environment", "env_typo"]);
    expect(list.items).toEqual([]);
  });
});
