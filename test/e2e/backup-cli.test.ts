import { describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { adminQuery } from "../support/env.js";
import { cliSession } from "../support/server-process.js";

const deployment = testDeployment();
const served = serveForTests(deployment);
const { berth, json } = cliSession(() => served.env);

describe("backups through the CLI", () => {
  it("backs up, refuses an unacknowledged restore, restores in place with progress, and configures a policy", async () => {
    const db = await json<{ id: string; connectionSecretRef: string }>(["dependency", "provision", "--kind", "postgres", "--project", "prj_cli", "--environment", "env_bk", "--name", "db", "--wait"]);
    const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: db.connectionSecretRef, purpose: "test" });
    const query = (text: string) => adminQuery(text, [], connectionUrl);
    await query("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'note ' || g FROM generate_series(1, 1000) g");

    const backup = await json<{ id: string; status: string; kind: string; sha256: string }>(["dependency", "backup", "create", db.id, "--wait", "--retention-days", "7"]);
    expect(backup.status).toBe("succeeded");
    expect(backup.kind).toBe("native");
    const list = await berth(["dependency", "backup", "list", db.id]);
    expect(list.stdout).toMatch(new RegExp(`${backup.id}\\s+native\\s+manual\\s+succeeded`));

    await query("DELETE FROM notes WHERE id > 10");
    const refused = await berth(["dependency", "backup", "restore", backup.id, "--yes"]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("[restore_acknowledgement_required]");
    expect((await query("SELECT count(*)::int AS n FROM notes"))[0].n).toBe(10);

    const restored = await berth(["dependency", "backup", "restore", backup.id, "--acknowledge-data-overwrite", "--yes", "--wait"]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/does not restart runtimes, change bindings or rewrite deployment snapshots/);
    expect(restored.stderr).toMatch(/restored/);
    expect((await query("SELECT count(*)::int AS n FROM notes"))[0].n).toBe(1000);

    const configured = await berth(["dependency", "backup", "policy", "configure", db.id, "--interval-hours", "24", "--retention-days", "7", "--retry-on-failure"]);
    expect(configured.code, configured.stderr).toBe(0);
    expect(configured.stdout).toMatch(/every:\s+24 h/);
    expect(configured.stdout).toMatch(/NOT enabled on this server/);
    const shown = await json<{ intervalHours: number; retryOnFailure: boolean; schedulerEnabled: boolean }>(["dependency", "backup", "policy", "show", db.id]);
    expect(shown).toMatchObject({ intervalHours: 24, retryOnFailure: true, schedulerEnabled: false });

    const blocked = await berth(["dependency", "delete", db.id, "--yes"]);
    expect(blocked.code).toBe(5);
    expect(blocked.stderr).toContain(backup.id);
  }, 120_000);
});
