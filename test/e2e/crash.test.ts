import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { DependencyStatus } from "@berth/client";
import { adminQuery, POSTGRES_ADMIN_URL } from "../support/env.js";
import { startBlackhole } from "../support/blackhole.js";
import { testDeployment } from "../support/berth-server.js";

const deployment = testDeployment();
afterAll(async () => {
  await deployment.cleanup();
});

describe("a server killed mid-provision", () => {
  it("finishes the job after restart: nothing stuck in provisioning, no database without a record", async () => {
    // The realization target hangs, so the job is surely in flight when the process dies.
    const blackhole = await startBlackhole();
    const hanging = [{ name: "main", kind: "postgres", adminUrl: `postgres://postgres@127.0.0.1:${blackhole.port}/postgres` }];
    const jobs = { ackWaitMs: 3000 };
    let server = await deployment.start({ targets: hanging, jobs });
    let client = server.client(deployment.secrets.adminToken);
    const { dependency } = await client.dependency.provisionDependency({
      requestId: "crash-1",
      projectId: "prj_crash",
      environmentId: "env_crash",
      name: "db",
      kind: "postgres",
      realizationTarget: "",
      deletionProtection: false,
    });
    const id = dependency!.id;
    for (let i = 0; i < 50 && !server.output().includes(`"dependencyId":"${id}","attempt":1`); i++) await sleep(100);
    await sleep(300);
    client.close();
    await server.kill();
    await blackhole.close();

    // The operator fixes the target and restarts; JetStream redelivers the unacked job.
    server = await deployment.start({ targets: [{ name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL }], jobs });
    client = server.client(deployment.secrets.adminToken);
    try {
      let settled;
      for await (const update of client.dependency.watchDependency({ id, untilSettled: true }, { timeoutMs: 60_000 })) settled = update.dependency;
      expect(settled?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_READY);

      const { dependencies } = await client.dependency.listDependencies({ projectId: "prj_crash", environmentId: "", kind: "", status: 0, pageSize: 50, pageToken: "", showDeleted: true });
      expect(dependencies.filter((d) => d.status === DependencyStatus.DEPENDENCY_STATUS_PROVISIONING)).toEqual([]);
      const realized = await adminQuery<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1", [`berth_${id.toLowerCase()}`]);
      expect(realized).toHaveLength(1);
    } finally {
      client.close();
      await server.stop();
    }
  }, 120_000);

  it("stops gracefully on SIGTERM", async () => {
    const server = await deployment.start();
    const code = await server.stop();
    expect(code).toBe(0);
    expect(server.output()).toContain('"msg":"berth stopped"');
  });
});
