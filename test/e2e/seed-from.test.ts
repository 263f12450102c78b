import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { fingerprint, onTarget, seedTarget } from "../support/jobs.js";
import { cliSession } from "../support/server-process.js";

// berth.yaml `seedFrom:` — a preview's managed dependency starts as a copy of the newest verified
// backup of a named dependency (a restore into a new dependency), and its cleanup removes it.

const APP = fileURLToPath(new URL("../fixtures/http-app.mjs", import.meta.url));
const deployment = testDeployment();
const dir = mkdtempSync(join(tmpdir(), "berth-seed-"));
const served = serveForTests(deployment);
const { berth, json } = cliSession(() => served.env);

const config = join(dir, "berth.yaml");
const port = 20_000 + Math.floor(Math.random() * 20_000);
writeFileSync(
  config,
  `resource: web
run:
  command: 'PORT=${port} "${process.execPath}" "${APP}"'
dependencies:
  db:
    kind: postgres
    seedFrom: orders
    bind:
      env: DATABASE_URL
preview:
  lifecycle: ephemeral
`,
);
const scope = ["--project", "prj_seed", "--environment", "env_a", "--server", "local", "--config", config];

async function urlOf(id: string): Promise<string> {
  const { dependency } = await served.api.dependency.getDependency({ id });
  return (await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: dependency!.connectionSecretRef, purpose: "test" })).connectionUrl;
}

beforeAll(async () => {
  expect((await berth(["server", "create", "--name", "local", "--kind", "local-process"])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  const list = await json<{ items: Array<{ id: string }> }>(["deployments", "list", "--status", "running"]).catch(() => ({ items: [] }));
  for (const d of list.items) await berth(["deployments", "stop", d.id]);
  rmSync(dir, { recursive: true, force: true });
});

describe("seedFrom in berth.yaml", () => {
  let sourceId = "";

  it("refuses, in the dry run and the real run alike, while the source has no verified backup", { timeout: 120_000 }, async () => {
    const source = await json<{ id: string }>(["dependency", "provision", "--kind", "postgres", "--project", "prj_seed", "--environment", "env_a", "--name", "orders", "--wait"]);
    sourceId = source.id;
    await seedTarget(await urlOf(sourceId), 3_000);
    const dry = await berth(["deploy", ...scope, "--preview", "pr-7", "--dry-run"]);
    const real = await berth(["deploy", ...scope, "--preview", "pr-7"]);
    expect(dry.code).toBe(3); // backup_not_found exits 3 everywhere (one reason table)
    expect(dry.stderr).toContain("has no verified backup to seed from");
    expect(dry.stderr).toContain("[backup_not_found]");
    expect(real.stderr).toBe(dry.stderr);
    expect((await served.api.dependency.listDependencies({ projectId: "prj_seed", environmentId: "env_a", kind: "", status: 0, pageSize: 50, pageToken: "", showDeleted: false })).dependencies.map((d) => d.name)).toEqual(["orders"]);
  });

  it("deploys a preview whose database is a copy of the source's newest verified backup; cleanup removes it", { timeout: 240_000 }, async () => {
    const backup = await json<{ id: string }>(["dependency", "backup", "create", sourceId, "--wait"]);
    const atBackup = await fingerprint(await urlOf(sourceId));
    const drill = await json<{ status: string }>(["dependency", "backup", "verify", backup.id, "--wait"]);
    expect(drill.status).toBe("passed");
    // Written after the backup: the preview must not see it, and the source keeps it.
    await onTarget(await urlOf(sourceId), "INSERT INTO marker VALUES (99)");

    const dry = await berth(["deploy", ...scope, "--preview", "pr-7", "--dry-run"]);
    expect(dry.stdout).toContain(`provision managed postgres dependency db-pr-7 from verified backup ${backup.id} of orders`);
    const deployed = await berth(["deploy", ...scope, "--preview", "pr-7"]);
    expect(deployed.code, deployed.stderr).toBe(0);

    const { dependencies } = await served.api.dependency.listDependencies({ projectId: "prj_seed", environmentId: "env_a", kind: "", status: 0, pageSize: 50, pageToken: "", showDeleted: false });
    const copy = dependencies.find((d) => d.name === "db-pr-7")!;
    expect(copy.provenance).toMatchObject({ previewId: "pr-7", restoredFromBackupId: backup.id });
    expect(await fingerprint(await urlOf(copy.id))).toBe(atBackup);
    expect(await fingerprint(await urlOf(sourceId))).not.toBe(atBackup);

    // A second deploy changes nothing; cleanup proves the copy is the preview's and deletes it.
    expect((await berth(["deploy", ...scope, "--preview", "pr-7"])).stdout).toContain("No changes");
    const cleaned = await berth(["preview", "cleanup", "--project", "prj_seed", "--environment", "env_a", "--preview", "pr-7", "--config", config, "--yes"]);
    expect(cleaned.code, cleaned.stderr + cleaned.stdout).toBe(0);
    const { dependency: gone } = await served.api.dependency.getDependency({ id: copy.id });
    expect(gone!.status).toBe(5 /* DELETED */);
  });
});
