import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { DependencyStatus, DeploymentStatus } from "@berth/client";
import { adminQuery, POSTGRES_ADMIN_URL } from "../support/env.js";
import { startBlackhole } from "../support/blackhole.js";
import { testDeployment } from "../support/berth-server.js";
import { freePort } from "../support/net.js";

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

  it("after kill -9, a restarted server stops the workload the dead one left running", async () => {
    const port = await freePort();
    let server = await deployment.start();
    let client = server.client(deployment.secrets.adminToken);
    const { resource } = await client.deployment.createResource({
      requestId: "orphan-res",
      projectId: "prj_crash",
      environmentId: "env_crash",
      name: "web",
      command: `"${process.execPath}" -e "require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')"`,
      cwd: "",
      env: {},
      healthUrl: `http://127.0.0.1:${port}/`,
    });
    const { runtimeTarget } = await client.deployment.createRuntimeTarget({ requestId: "orphan-srv", name: "local", kind: "local-process", canDeliverDependencySecrets: true });
    const { deployment: created } = await client.deployment.createDeployment({ requestId: "orphan-dpl", resourceId: resource!.id, runtimeTargetId: runtimeTarget!.id });
    for await (const update of client.deployment.watchDeployment({ id: created!.id, untilSettled: true }, { timeoutMs: 30_000 })) void update;
    client.close();
    await server.kill();
    // The workload outlived Berth.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");

    server = await deployment.start();
    client = server.client(deployment.secrets.adminToken);
    try {
      const { deployment: after } = await client.deployment.getDeployment({ id: created!.id });
      expect(after?.status).toBe(DeploymentStatus.DEPLOYMENT_STATUS_STOPPED);
      expect(after?.statusReason).toBe("the Berth process that ran it exited; its workload was stopped");
      let gone = false;
      for (let i = 0; i < 50 && !gone; i++) {
        gone = await fetch(`http://127.0.0.1:${port}/`).then(() => false, () => true);
        if (!gone) await sleep(100);
      }
      expect(gone).toBe(true);
    } finally {
      client.close();
      await server.stop();
    }
  }, 60_000);

  it("stops gracefully on SIGTERM", async () => {
    const server = await deployment.start();
    const code = await server.stop();
    expect(code).toBe(0);
    expect(server.output()).toContain('"msg":"berth stopped"');
  });
});
