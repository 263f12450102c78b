import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { databaseUrl, plantedSecret } from "../support/env.js";
import { readEvents } from "../support/nats.js";
import { REPO_ROOT, runCli, type CliResult } from "../support/server-process.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";

const deployment = testDeployment();
const served = serveForTests(deployment);
const outputs: string[] = [];

async function berth(args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  const result = await runCli(args, { ...served.env, ...extraEnv }, input);
  outputs.push(result.stdout, result.stderr);
  return result;
}

describe("berth CLI against a running server", () => {
  const password = plantedSecret("cli");
  let managedId = "";
  let managedPassword = "";

  it("provisions a managed postgres with --wait and connects with the delivered secret", async () => {
    const result = await berth(["dependency", "provision", "--kind", "postgres", "--project", "prj_e2e", "--environment", "env_e2e", "--name", "app-db", "--wait"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/status:\s+ready/);
    managedId = /id:\s+(dep_\S+)/.exec(result.stdout)![1];
    expect(result.stdout).toMatch(/connection:\s+postgres:\/\/berth_dep_\S+:\*\*\*\*@/);

    const { dependency } = await served.internal.dependency.getDependency({ id: managedId });
    const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency!.connectionSecretRef, purpose: "e2e" });
    managedPassword = decodeURIComponent(new URL(connectionUrl).password);
    expect(managedPassword.length).toBeGreaterThanOrEqual(24);
    const psql = execFileSync("psql", [connectionUrl, "-tAc", "CREATE TABLE t (v text); INSERT INTO t VALUES ('ok'); SELECT v FROM t;"], { encoding: "utf8" });
    expect(psql.trim().split("\n").pop()).toBe("ok");
  });

  it("imports a connection and never shows its password in table or JSON output", async () => {
    const imported = await berth(
      ["dependency", "import", "--kind", "postgres", "--project", "prj_e2e", "--environment", "env_e2e", "--name", "legacy", "--connection-url-stdin", "-o", "json"],
      {},
      `postgres://legacy:${password}@legacy.internal:5432/legacy\n`,
    );
    expect(imported.code, imported.stderr).toBe(0);
    const record = JSON.parse(imported.stdout);
    expect(record.maskedConnectionUrl).toBe("postgres://legacy:****@legacy.internal:5432/legacy");
    expect(record.status).toBe("ready");

    const table = await berth(["dependency", "list", "--project", "prj_e2e"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+KIND\s+SOURCE\s+STATUS/);
    expect(table.stdout).toContain("legacy");
    expect(table.stdout).toContain("app-db");

    const json = await berth(["dependency", "list", "--project", "prj_e2e", "-o", "json"]);
    const items = JSON.parse(json.stdout).items as Array<{ name: string }>;
    expect(items.map((i) => i.name).sort()).toEqual(["app-db", "legacy"]);

    const show = await berth(["dependency", "show", record.id]);
    expect(show.stdout).toMatch(/secret ref:\s+secret:\/\/dep_\S+\/connection@1/);
  });

  it("prints one clear error line with the reason code and a meaningful exit code", async () => {
    const bad = await berth(["dependency", "import", "--kind", "redis", "--project", "prj_e2e", "--environment", "env_e2e", "--name", "bad", "--connection-url", `redis://u:${password}@:0/0`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*\[connection_url_invalid\]/);

    const missing = await berth(["dependency", "show", "dep_doesnotexist0000"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("[dependency_not_found]");

    const duplicate = await berth(["dependency", "import", "--kind", "redis", "--project", "prj_e2e", "--environment", "env_e2e", "--name", "legacy", "--connection-url", "redis://cache:6379"]);
    expect(duplicate.code).toBe(4);
    expect(duplicate.stderr).toContain("[dependency_already_exists]");

    const jsonError = await berth(["dependency", "show", "dep_doesnotexist0000", "-o", "json"]);
    expect(JSON.parse(jsonError.stderr).error.reason).toBe("dependency_not_found");

    const noToken = await berth(["dependency", "list"], { BERTH_TOKEN: "not-the-right-token-000000" });
    expect(noToken.code).toBe(6);
    expect(noToken.stderr).toContain("[unauthenticated]");

    const down = await berth(["dependency", "list"], { BERTH_API: "127.0.0.1:1" });
    expect(down.code).toBe(7);

    const usage = await berth(["dependency", "provision", "--kind", "postgres"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/required option/);
  });

  it("deletes the managed dependency: its database is gone", async () => {
    const result = await berth(["dependency", "delete", managedId, "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/status:\s+deleted/);
    const exists = execFileSync("psql", [databaseUrl("postgres"), "-tAc", `SELECT count(*) FROM pg_database WHERE datname = 'berth_${managedId.toLowerCase()}'`], { encoding: "utf8" });
    expect(exists.trim()).toBe("0");
  });

  it("serves gRPC health checking and reflection (buf curl)", () => {
    const buf = `${REPO_ROOT}node_modules/.bin/buf`;
    const health = execFileSync(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", `http://${served.server.address}/grpc.health.v1.Health/Check`], { encoding: "utf8" });
    expect(JSON.parse(health).status).toBe("SERVING");
    const list = execFileSync(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", `http://${served.server.address}`], { encoding: "utf8" });
    expect(list).toContain("berth.dependency.v1.DependencyService");
    // A Berth RPC called by name through reflection alone.
    const get = spawnSync(
      buf,
      ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "-H", `authorization: Bearer ${deployment.secrets.adminToken}`, "--data", '{"id":"dep_nothere00000000"}', `http://${served.server.address}/berth.dependency.v1.DependencyService/GetDependency`],
      { encoding: "utf8" },
    );
    const failure = JSON.parse(get.stderr);
    expect(failure.code).toBe("not_found");
    expect(failure.message).toBe("dependency dep_nothere00000000 not found");
    expect(failure.details[0].type).toBe("google.rpc.ErrorInfo");
  });

  it("leaks no secret: not in CLI output, logs, NATS events or any Postgres column", async () => {
    const secrets = [password, managedPassword, deployment.secrets.adminToken, deployment.secrets.internalToken, deployment.secrets.masterKey.split(":")[1]];
    const events = (await readEvents(deployment.prefix)).map((e) => e.raw).join("\n");
    expect(events).toContain("dependency.dependency.created");
    const dump = execFileSync("pg_dump", ["--data-only", "--inserts", databaseUrl(deployment.databaseName)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain("berth_dependency");
    const places = { cli: outputs.join("\n"), logs: served.server.output(), events, postgres: dump };
    for (const secret of secrets) {
      for (const [place, text] of Object.entries(places)) expect(text.includes(secret), `${place} contains a secret`).toBe(false);
    }
  });
});
