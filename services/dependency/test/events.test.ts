import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DependencyStatus } from "@berth/client";
import { createKnex, ensureDatabase, migrateSchema } from "@berth/runtime";
import { readEvents } from "../../../test/support/nats.js";
import { eventually } from "../../../test/support/poll.js";
import { PrivateNats } from "../../../test/support/private-nats.js";
import { databaseUrl, dropDatabase, uniqueSuffix, adminQuery } from "../../../test/support/env.js";
import { migrations, SCHEMA } from "../src/migrations.js";
import { startDependencyHarness } from "./harness.js";
import { importUrl, provision, uniqueName, waitSettled } from "./helpers.js";

function countByType(events: Array<{ type: string; data: Record<string, unknown> }>, dependencyId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) if (event.data.dependencyId === dependencyId) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return counts;
}

describe("events through the outbox", () => {
  it("publishes provision, import and delete events once each, even when NATS was down during the change", async () => {
    const nats = await PrivateNats.start();
    const h = await startDependencyHarness({ natsUrl: nats.url });
    try {
      // While NATS is up.
      const managed = await waitSettled(h.admin, (await provision(h.admin, uniqueName("evt"))).id);
      // NATS goes away; the API keeps working and nothing is lost.
      await nats.down();
      const imported = await importUrl(h.admin, "redis", "redis://cache.internal:6379/0");
      await h.admin.dependency.deleteDependency({ id: managed.id, requestId: uniqueName("del") });
      const provisionedWhileDown = await provision(h.admin, uniqueName("late"));
      await sleep(1500);
      await nats.up();

      const ready = await waitSettled(h.admin, provisionedWhileDown.id, 60_000);
      expect(ready.status).toBe(DependencyStatus.DEPENDENCY_STATUS_READY);

      const expected = {
        [managed.id]: { "dependency.dependency.created": 1, "dependency.dependency.ready": 1, "dependency.dependency.deleted": 1 },
        [imported.id]: { "dependency.dependency.created": 1 },
        [provisionedWhileDown.id]: { "dependency.dependency.created": 1, "dependency.dependency.ready": 1 },
      };
      const events = await eventually(
        () => readEvents(h.prefix, nats.url),
        (all) => Object.entries(expected).every(([id, counts]) => JSON.stringify(countByType(all, id)) === JSON.stringify(counts)),
      );
      for (const [id, counts] of Object.entries(expected)) expect(countByType(events, id)).toEqual(counts);
      for (const event of events) expect(event.subject).toBe(`${h.prefix}.events.${event.type}`);
    } finally {
      await h.close();
      await nats.stop();
    }
  }, 120_000);
});

describe("migrations", () => {
  it("run once when several replicas start together", async () => {
    const name = `berth_t_mig_${uniqueSuffix()}`;
    const url = databaseUrl(name);
    await ensureDatabase(url);
    const pools = Array.from({ length: 4 }, () => createKnex(url, { schema: SCHEMA, poolMax: 2 }));
    try {
      await Promise.all(pools.map((pool) => migrateSchema(url, pool, SCHEMA, migrations)));
      const applied = await adminQuery<{ name: string }>(`SELECT name FROM ${SCHEMA}.knex_migrations`, [], url);
      expect(applied.map((r) => r.name)).toEqual(migrations.map((m) => m.name));
    } finally {
      for (const pool of pools) await pool.destroy();
      await dropDatabase(name);
    }
  });
});
