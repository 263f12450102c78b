import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createBerthClient } from "@berth/client";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { embeddedPostgresDir } from "@berth/host";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, runCli } from "../support/server-process.js";
import { freePort } from "../support/net.js";

const home = mkdtempSync(join(tmpdir(), "berth-home-"));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(dirname(embeddedPostgresDir(home)), { recursive: true, force: true });
});


describe("berth dev (the README's first command)", () => {
  it("starts with embedded defaults, and the CLI finds it to provision and list a postgres", async () => {
    const port = await freePort();
    const env = { BERTH_HOME: home };
    // A dev config with a target of its own adds it; the embedded Postgres target stays (and stays the default).
    const config = join(mkdtempSync(join(tmpdir(), "berth-dev-config-")), "dev-config.json");
    writeFileSync(config, JSON.stringify({ targets: [{ name: "cache-main", kind: "redis", adminUrl: "redis://127.0.0.1:6379" }] }));
    const dev = spawn(process.execPath, [CLI, "dev", "--port", String(port), "--config", config], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    dev.stdout.on("data", (c) => (output += c));
    dev.stderr.on("data", (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => dev.once("exit", resolve));
    try {
      for (let i = 0; i < 600 && dev.exitCode === null && !output.includes("Berth dev server on"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(output, output).toContain(`Berth dev server on 127.0.0.1:${port}`);
      expect(statSync(join(home, "credentials.json")).mode & 0o777).toBe(0o600);

      const provision = await runCli(["dependency", "provision", "--kind", "postgres", "--project", "prj_demo", "--environment", "env_dev", "--name", "app-db", "--wait"], env);
      expect(provision.code, provision.stderr).toBe(0);
      expect(provision.stdout).toMatch(/status:\s+ready/);
      // The embedded server checks passwords (SCRAM): the delivered one works, another does not.
      const created = JSON.parse((await runCli(["dependency", "show", /id:\s+(dep_\S+)/.exec(provision.stdout)![1], "-o", "json"], env)).stdout);
      const credentials = JSON.parse(readFileSync(join(home, "credentials.json"), "utf8"));
      const internal = createBerthClient({ address: `127.0.0.1:${port}`, token: credentials.internalToken });
      const { connectionUrl } = await internal.dependencyInternal.resolveConnectionSecret({ secretRef: created.connectionSecretRef, purpose: "test" });
      internal.close();
      expect(execFileSync("psql", [connectionUrl, "-tAc", "SELECT current_user"], { encoding: "utf8" }).trim()).toBe(created.metadata.user);
      const wrong = new URL(connectionUrl);
      wrong.password = "not-the-password";
      expect(() => execFileSync("psql", [wrong.toString(), "-tAc", "SELECT 1"], { stdio: "pipe" })).toThrow(/password authentication failed/);

      const targets = await runCli(["target", "list"], env);
      expect(targets.stdout).toMatch(/embedded\s+postgres/);
      expect(targets.stdout).toMatch(/cache-main\s+redis/);

      const list = await runCli(["dependency", "list", "-o", "json"], env);
      const items = JSON.parse(list.stdout).items as Array<{ name: string; status: string }>;
      expect(items).toEqual([expect.objectContaining({ name: "app-db", status: "ready" })]);

      // No reset under a running server.
      const busy = await runCli(["dev", "--reset", "--yes"], env);
      expect(busy.code).toBe(4);
      expect(busy.stderr).toContain("[dev_server_running]");
    } finally {
      dev.kill("SIGTERM");
    }
    expect(await exited, output).toBe(0);
    // The CLI no longer finds a server once dev stopped.
    const after = await runCli(["dependency", "list"], { BERTH_HOME: home });
    expect(after.code).toBe(7);
    expect(after.stderr).toContain("[server_not_configured]");

    // All dev state is where the start-up line said, reachable from $BERTH_HOME, and `--reset` removes it.
    const dataDir = embeddedPostgresDir(home);
    expect(output).toContain(`embedded Postgres data in ${dataDir}`);
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    if (!dataDir.startsWith(`${home}/`)) expect(readlinkSync(join(home, "postgres"))).toBe(dataDir);
    const unconfirmed = await runCli(["dev", "--reset"], { BERTH_HOME: home });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("[confirmation_required]");
    expect(unconfirmed.stderr).toContain(dataDir.startsWith(`${home}/`) ? dataDir : dirname(dataDir));
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    const reset = await runCli(["dev", "--reset", "--yes"], { BERTH_HOME: home });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stderr).toContain(`removed ${join(home, "credentials.json")}`);
    expect(existsSync(dataDir)).toBe(false);
    expect(existsSync(dirname(dataDir))).toBe(false);
    expect(existsSync(home)).toBe(false);
    const again = await runCli(["dev", "--reset", "--yes"], { BERTH_HOME: home });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing to remove");
  }, 120_000);
});
