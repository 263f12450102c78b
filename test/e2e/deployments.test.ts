import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DeploymentStatus,
  DependencyStatus,
  InjectionBlockedReason,
  RuntimeInjectionState,
  injectionBlockedReasonToJSON,
  isBerthApiError,
  type BerthApiError,
  type Dependency,
} from "@berth/client";
import { DEPENDENCY_SCHEMA, dependencyTestSupport } from "@berth/dependency-service";
import { createKnex } from "@berth/runtime";
import { adminQuery, databaseUrl, plantedSecret, POSTGRES_ADMIN_URL } from "../support/env.js";
import { startGate } from "../support/gate.js";
import { readEvents } from "../support/nats.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { freePort } from "../support/net.js";

const APP = fileURLToPath(new URL("../fixtures/app.mjs", import.meta.url));
const MEMO_PLUGIN = fileURLToPath(new URL("../fixtures/memo-provider/index.mjs", import.meta.url));
const deployment = testDeployment();
const gate = await startGate(Number(new URL(POSTGRES_ADMIN_URL).port || 5432));
afterAll(() => gate.close());
const served = serveForTests(deployment, () =>
  deployment.start({
    providers: [MEMO_PLUGIN],
    targets: [
      { name: "main", kind: "postgres", adminUrl: POSTGRES_ADMIN_URL },
      { name: "gated", kind: "postgres", adminUrl: `postgres://postgres@127.0.0.1:${gate.port}/postgres` },
    ],
  }),
);
const seen: string[] = []; // every response and error text, for the leak scan
let n = 0;
const rid = (label: string) => `${label}-${++n}-${Date.now()}`;



async function record<T>(promise: Promise<T>): Promise<T> {
  try {
    const value = await promise;
    seen.push(JSON.stringify(value));
    return value;
  } catch (error) {
    if (isBerthApiError(error)) seen.push(JSON.stringify({ message: error.message, metadata: error.metadata, violations: error.fieldViolations }));
    throw error;
  }
}

async function apiError(promise: Promise<unknown>): Promise<BerthApiError> {
  try {
    await record(promise);
  } catch (error) {
    if (isBerthApiError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

async function provisionReady(projectId: string, environmentId: string, name: string, target = ""): Promise<Dependency> {
  const { dependency } = await record(served.api.dependency.provisionDependency({ requestId: rid("prov"), projectId, environmentId, name, kind: "postgres", realizationTarget: target, deletionProtection: false }));
  let last = dependency!;
  if (target === "gated") return last;
  for await (const update of served.api.dependency.watchDependency({ id: last.id, untilSettled: true }, { timeoutMs: 60_000 })) last = update.dependency!;
  expect(last.status).toBe(DependencyStatus.DEPENDENCY_STATUS_READY);
  return last;
}

async function importDep(projectId: string, environmentId: string, name: string, kind: string, connectionUrl: string): Promise<Dependency> {
  const { dependency } = await record(served.api.dependency.importDependency({ requestId: rid("imp"), projectId, environmentId, name, kind, connectionUrl, probe: false, deletionProtection: false }));
  return dependency!;
}

async function createResource(projectId: string, environmentId: string, name: string, env: Record<string, string> = {}, port?: number) {
  const { resource } = await record(
    served.api.deployment.createResource({
      requestId: rid("res"),
      projectId,
      environmentId,
      name,
      command: `"${process.execPath}" "${APP}"`,
      cwd: "",
      env: port ? { PORT: String(port), ...env } : env,
      healthUrl: port ? `http://127.0.0.1:${port}/health` : "",
    }),
  );
  return resource!;
}

async function createServer_(name: string, kind: string) {
  const { runtimeTarget } = await record(served.api.deployment.createRuntimeTarget({ requestId: rid("srv"), name, kind, canDeliverDependencySecrets: false }));
  return runtimeTarget!;
}

async function bind(projectId: string, environmentId: string, resourceId: string, dependencyId: string, targetEnvVar: string) {
  const { binding } = await record(served.api.binding.bindDependency({ requestId: rid("bnd"), projectId, environmentId, resourceId, dependencyId, targetEnvVar }));
  return binding!;
}

async function deployAndWait(resourceId: string, runtimeTargetId: string) {
  const { deployment: created } = await record(served.api.deployment.createDeployment({ requestId: rid("dpl"), resourceId, runtimeTargetId }));
  let last = created!;
  for await (const update of served.api.deployment.watchDeployment({ id: last.id, untilSettled: true }, { timeoutMs: 60_000 })) last = update.deployment!;
  return last;
}

async function health(port: number): Promise<{ ok: boolean; visits: number }> {
  return (await fetch(`http://127.0.0.1:${port}/health`)).json() as Promise<{ ok: boolean; visits: number }>;
}

let localServerId = "";
beforeAll(async () => {
  localServerId = (await createServer_("local", "local-process")).id;
});

describe("deliver a dependency's secret to a running workload", () => {
  it("provision → bind → plan ready → create: the app answers healthy with a row it wrote", async () => {
    const db = await provisionReady("prj_app", "env_prod", "app-db");
    const port = await freePort();
    const resource = await createResource("prj_app", "env_prod", "web", {}, port);
    const binding = await bind("prj_app", "env_prod", resource.id, db.id, "DATABASE_URL");
    expect(binding.secretRef).toBe(db.connectionSecretRef);

    const plan = await record(served.api.deployment.planDeployment({ resourceId: resource.id, runtimeTargetId: localServerId }));
    expect(plan.injection?.state).toBe(RuntimeInjectionState.RUNTIME_INJECTION_STATE_READY);
    expect(plan.snapshot).toEqual([{ bindingId: binding.id, dependencyId: db.id, targetEnvVar: "DATABASE_URL", secretRef: db.connectionSecretRef }]);

    const running = await deployAndWait(resource.id, localServerId);
    expect(running.status, running.statusReason).toBe(DeploymentStatus.DEPLOYMENT_STATUS_RUNNING);
    expect(await health(port)).toEqual({ ok: true, visits: 1 });
    // The app really wrote into the provisioned database.
    const rows = await adminQuery<{ note: string }>("SELECT note FROM visits", [], databaseUrl(db.metadata.database));
    expect(rows).toEqual([{ note: "hello" }]);
    await record(served.api.deployment.stopDeployment({ id: running.id, requestId: rid("stop") }));
  });

  it("rotating a binding to a new connection version changes the next snapshot only", async () => {
    const managed = await provisionReady("prj_rot", "env_prod", "real-db");
    const { connectionUrl } = await served.internal.dependencyInternal.resolveConnectionSecret({ secretRef: managed.connectionSecretRef, purpose: "test" });
    const external = await importDep("prj_rot", "env_prod", "external-db", "postgres", connectionUrl);
    const port = await freePort();
    const resource = await createResource("prj_rot", "env_prod", "web", {}, port);
    const binding = await bind("prj_rot", "env_prod", resource.id, external.id, "DATABASE_URL");
    const first = await deployAndWait(resource.id, localServerId);
    expect(first.snapshot[0].secretRef).toBe(`secret://${external.id}/connection@1`);
    await record(served.api.deployment.stopDeployment({ id: first.id, requestId: rid("stop") }));

    // The external password changed: a new version, then the binding moves to it.
    const { dependency: updated } = await record(served.api.dependency.updateDependencyConnection({ id: external.id, requestId: rid("upd"), connectionUrl, probe: false }));
    expect(updated?.connectionSecretRef).toBe(`secret://${external.id}/connection@2`);
    const rotated = await record(served.api.binding.rotateBindingSecret({ id: binding.id, requestId: rid("rot"), latest: true }));
    expect(rotated.previousSecretRef).toBe(`secret://${external.id}/connection@1`);
    expect(rotated.binding?.secretRef).toBe(`secret://${external.id}/connection@2`);

    const second = await deployAndWait(resource.id, localServerId);
    expect(second.status, second.statusReason).toBe(DeploymentStatus.DEPLOYMENT_STATUS_RUNNING);
    expect(second.snapshot[0].secretRef).toBe(`secret://${external.id}/connection@2`);
    const { deployment: old } = await record(served.api.deployment.getDeployment({ id: first.id }));
    expect(old?.snapshot[0].secretRef).toBe(`secret://${external.id}/connection@1`);
    await record(served.api.deployment.stopDeployment({ id: second.id, requestId: rid("stop") }));

    const { events } = await record(served.api.deployment.listDeploymentEvents({ resourceId: resource.id, deploymentId: "", pageSize: 0, pageToken: "" }));
    expect(events.map((e) => `${e.deploymentId}:${e.type}`)).toEqual([
      `${first.id}:1`, `${first.id}:2`, `${first.id}:4`,
      `${second.id}:1`, `${second.id}:2`, `${second.id}:4`,
    ]);
  });

  it("unbinding during a running deployment leaves the workload running and the snapshot unchanged", async () => {
    const db = await provisionReady("prj_unb", "env_prod", "db");
    const port = await freePort();
    const resource = await createResource("prj_unb", "env_prod", "web", {}, port);
    const binding = await bind("prj_unb", "env_prod", resource.id, db.id, "DATABASE_URL");
    const running = await deployAndWait(resource.id, localServerId);
    const { binding: unbound } = await record(served.api.binding.unbindDependency({ id: binding.id, requestId: rid("unb") }));
    expect(unbound?.unbindTime).toBeTruthy();
    expect((await health(port)).ok).toBe(true);
    const { deployment: after } = await record(served.api.deployment.getDeployment({ id: running.id }));
    expect(after?.status).toBe(DeploymentStatus.DEPLOYMENT_STATUS_RUNNING);
    expect(after?.snapshot).toEqual(running.snapshot);
    // The dependency still exists, and the live snapshot still blocks its delete.
    const blocked = await apiError(served.api.dependency.deleteDependency({ id: db.id, requestId: rid("del") }));
    expect(blocked.reason).toBe("dependency_delete_blocked");
    expect(Object.values(blocked.metadata)).toContain(`deployment_snapshot:${running.id}`);
    await record(served.api.deployment.stopDeployment({ id: running.id, requestId: rid("stop") }));
    const { dependency: deleted } = await record(served.api.dependency.deleteDependency({ id: db.id, requestId: rid("del") }));
    expect(deleted?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_DELETED);
  });
});

describe("plan and create refuse blocked injection, creating nothing", () => {
  async function expectBlocked(resourceId: string, runtimeTargetId: string, reason: InjectionBlockedReason) {
    const plan = await record(served.api.deployment.planDeployment({ resourceId, runtimeTargetId }));
    expect(plan.injection?.state).toBe(RuntimeInjectionState.RUNTIME_INJECTION_STATE_BLOCKED);
    const reasons = plan.injection!.bindings.filter((b) => !b.ready).map((b) => b.blockedReason);
    expect(reasons.map(injectionBlockedReasonToJSON)).toContain(injectionBlockedReasonToJSON(reason));
    const refused = await apiError(served.api.deployment.createDeployment({ requestId: rid("dpl"), resourceId, runtimeTargetId }));
    expect(refused.reason).toBe("dependency_runtime_injection_blocked");
    const wire = injectionBlockedReasonToJSON(reason).replace("INJECTION_BLOCKED_REASON_", "").toLowerCase();
    expect(Object.values(refused.metadata)).toContain(wire);
    const { deployments } = await record(served.api.deployment.listDeployments({ projectId: "", environmentId: "", resourceId, runtimeTargetId: "", status: 0, pageSize: 0, pageToken: "" }));
    expect(deployments).toEqual([]);
  }

  it("dependency not ready, then missing secret reference once it is", async () => {
    const pending = await provisionReady("prj_blk", "env_a", "slow-db", "gated");
    expect(pending.status).toBe(DependencyStatus.DEPENDENCY_STATUS_PROVISIONING);
    const resource = await createResource("prj_blk", "env_a", "web-pending");
    const binding = await bind("prj_blk", "env_a", resource.id, pending.id, "DATABASE_URL");
    expect(binding.secretRef).toBe("");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_DEPENDENCY_NOT_READY);

    gate.open();
    for await (const update of served.api.dependency.watchDependency({ id: pending.id, untilSettled: true }, { timeoutMs: 60_000 })) void update;
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_MISSING_SECRET_REFERENCE);
    // The fix the description suggests works.
    await record(served.api.binding.rotateBindingSecret({ id: binding.id, requestId: rid("rot"), latest: true }));
    const plan = await record(served.api.deployment.planDeployment({ resourceId: resource.id, runtimeTargetId: localServerId }));
    expect(plan.injection?.state).toBe(RuntimeInjectionState.RUNTIME_INJECTION_STATE_READY);
  });

  it("unresolved stored secret", async () => {
    const dep = await importDep("prj_blk", "env_a", "lost-secret", "redis", "redis://cache.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-lost");
    await bind("prj_blk", "env_a", resource.id, dep.id, "REDIS_URL");
    // The stored secret is lost (a restore of the wrong database, an operator mistake).
    const dependencyDb = createKnex(databaseUrl(deployment.databaseName), { schema: DEPENDENCY_SCHEMA, poolMax: 1 });
    try {
      expect(await dependencyTestSupport.loseSecrets(dependencyDb, dep.id)).toBe(1);
    } finally {
      await dependencyDb.destroy();
    }
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNRESOLVED_SECRET);
  });

  it("unsupported dependency kind", async () => {
    const memo = await importDep("prj_blk", "env_a", "memo", "memo", "memo://notes.internal");
    const resource = await createResource("prj_blk", "env_a", "web-memo");
    await bind("prj_blk", "env_a", resource.id, memo.id, "MEMO_URL");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_DEPENDENCY_KIND);
  });

  it("unsupported scope", async () => {
    const other = await importDep("prj_other", "env_b", "cache", "redis", "redis://cache.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-scope");
    await bind("prj_other", "env_b", resource.id, other.id, "REDIS_URL");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_SCOPE);
  });

  it("unsupported injection mode (a variable the runtime reserves)", async () => {
    const dep = await importDep("prj_blk", "env_a", "path-dep", "redis", "redis://cache.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-path");
    await bind("prj_blk", "env_a", resource.id, dep.id, "NODE_OPTIONS");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_UNSUPPORTED_INJECTION_MODE);
  });

  it("duplicate target name", async () => {
    const a = await importDep("prj_blk", "env_a", "dup-a", "redis", "redis://a.internal:6379/0");
    const b = await importDep("prj_blk", "env_a", "dup-b", "redis", "redis://b.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-dup");
    await bind("prj_blk", "env_a", resource.id, a.id, "CACHE_URL");
    await bind("prj_blk", "env_a", resource.id, b.id, "cache_url");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_DUPLICATE_TARGET_NAME);
  });

  it("conflict with an env var the resource already sets", async () => {
    const dep = await importDep("prj_blk", "env_a", "conflict", "redis", "redis://c.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-conflict", { REDIS_URL: "redis://localhost" });
    await bind("prj_blk", "env_a", resource.id, dep.id, "REDIS_URL");
    await expectBlocked(resource.id, localServerId, InjectionBlockedReason.INJECTION_BLOCKED_REASON_CONFLICTS_WITH_RESOURCE_ENV);
  });

  it("runtime target cannot deliver dependency secrets (static)", async () => {
    const staticServer = await createServer_("cdn", "static");
    expect(staticServer.canDeliverDependencySecrets).toBe(false);
    const dep = await importDep("prj_blk", "env_a", "static-dep", "redis", "redis://s.internal:6379/0");
    const resource = await createResource("prj_blk", "env_a", "web-static");
    await bind("prj_blk", "env_a", resource.id, dep.id, "REDIS_URL");
    await expectBlocked(resource.id, staticServer.id, InjectionBlockedReason.INJECTION_BLOCKED_REASON_RUNTIME_TARGET_CANNOT_DELIVER_SECRETS);
  });

  it("a resource without bindings is not-applicable and deploys", async () => {
    const resource = await createResource("prj_blk", "env_a", "web-none");
    const plan = await record(served.api.deployment.planDeployment({ resourceId: resource.id, runtimeTargetId: localServerId }));
    expect(plan.injection?.state).toBe(RuntimeInjectionState.RUNTIME_INJECTION_STATE_NOT_APPLICABLE);
  });
});

describe("bind rules", () => {
  it("refuses a bad target name, an unknown dependency and a second binding of one target", async () => {
    const dep = await importDep("prj_rules", "env_a", "cache", "redis", "redis://r.internal:6379/0");
    const resource = await createResource("prj_rules", "env_a", "web");
    const invalid = await apiError(served.api.binding.bindDependency({ requestId: rid("b"), projectId: "prj_rules", environmentId: "env_a", resourceId: resource.id, dependencyId: dep.id, targetEnvVar: "1-BAD" }));
    expect(invalid.reason).toBe("binding_target_invalid");
    const unknown = await apiError(served.api.binding.bindDependency({ requestId: rid("b"), projectId: "prj_rules", environmentId: "env_a", resourceId: resource.id, dependencyId: "dep_doesnotexist00", targetEnvVar: "X_URL" }));
    expect(unknown.reason).toBe("dependency_not_found");
    const mismatch = await apiError(served.api.binding.bindDependency({ requestId: rid("b"), projectId: "prj_rules", environmentId: "env_b", resourceId: resource.id, dependencyId: dep.id, targetEnvVar: "X_URL" }));
    expect(mismatch.reason).toBe("binding_scope_mismatch");
    const requestId = rid("b");
    const first = await record(served.api.binding.bindDependency({ requestId, projectId: "prj_rules", environmentId: "env_a", resourceId: resource.id, dependencyId: dep.id, targetEnvVar: "REDIS_URL" }));
    const retry = await record(served.api.binding.bindDependency({ requestId, projectId: "prj_rules", environmentId: "env_a", resourceId: resource.id, dependencyId: dep.id, targetEnvVar: "REDIS_URL" }));
    expect(retry.binding?.id).toBe(first.binding?.id);
    const conflict = await apiError(served.api.binding.bindDependency({ requestId: rid("b"), projectId: "prj_rules", environmentId: "env_a", resourceId: resource.id, dependencyId: dep.id, targetEnvVar: "REDIS_URL" }));
    expect(conflict.reason).toBe("binding_target_conflict");
    const { bindings } = await record(served.api.binding.listBindings({ projectId: "", environmentId: "", resourceId: resource.id, dependencyId: "", includeUnbound: true, pageSize: 0, pageToken: "" }));
    expect(bindings).toHaveLength(1);
    const badVersion = await apiError(served.api.binding.rotateBindingSecret({ id: first.binding!.id, requestId: rid("r"), version: 7 }));
    expect(badVersion.reason).toBe("secret_version_not_found");
  });

  it("50 concurrent bind/unbind/delete calls on one dependency never leave a binding to a deleted dependency", async () => {
    for (let round = 0; round < 3; round++) {
      const dep = await importDep("prj_race", "env_a", `shared-${round}`, "redis", "redis://race.internal:6379/0");
      const resources = await Promise.all(Array.from({ length: 5 }, (_, i) => createResource("prj_race", "env_a", `web-${round}-${i}`)));
      const bound: string[] = [];
      const ops = Array.from({ length: 50 }, (_, i) => async () => {
        const kind = i % 5;
        if (kind === 0) return served.api.dependency.deleteDependency({ id: dep.id, requestId: rid("del") });
        if (kind === 4 && bound.length > 0) return served.api.binding.unbindDependency({ id: bound[i % bound.length], requestId: rid("unb") });
        const { binding } = await served.api.binding.bindDependency({ requestId: rid("b"), projectId: "prj_race", environmentId: "env_a", resourceId: resources[i % 5].id, dependencyId: dep.id, targetEnvVar: `URL_${i}` });
        bound.push(binding!.id);
        return binding;
      });
      await Promise.allSettled(ops.map((op) => op()));
      const { dependency } = await served.api.dependency.getDependency({ id: dep.id });
      const { bindings } = await served.api.binding.listBindings({ projectId: "", environmentId: "", resourceId: "", dependencyId: dep.id, includeUnbound: false, pageSize: 500, pageToken: "" });
      if (dependency?.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) expect(bindings).toEqual([]);
      else expect(dependency?.status).toBe(DependencyStatus.DEPENDENCY_STATUS_READY);
    }
  }, 120_000);
});

describe("secrets stay out of sight", () => {
  it("masks a delivered password even when the app prints it alone", async () => {
    const planted = plantedSecret("alone");
    const dep = await importDep("prj_leak", "env_b", "db", "postgres", `postgres://app:${planted}@db.internal:5432/app`);
    const { resource } = await record(
      served.api.deployment.createResource({
        requestId: rid("res"),
        projectId: "prj_leak",
        environmentId: "env_b",
        name: "printer",
        command: `"${process.execPath}" -e "console.log('password is ' + new URL(process.env.DATABASE_URL).password); process.exit(3)"`,
        cwd: "",
        env: {},
        healthUrl: "",
      }),
    );
    await bind("prj_leak", "env_b", resource!.id, dep.id, "DATABASE_URL");
    const failed = await deployAndWait(resource!.id, localServerId);
    expect(failed.status).toBe(DeploymentStatus.DEPLOYMENT_STATUS_FAILED);
    expect(failed.statusReason).toBe("the command exited before it was up (code 3): password is ****");
  });

  it("refuses credentials in a resource's plain env or command", async () => {
    const error = await apiError(
      served.api.deployment.createResource({ requestId: rid("res"), projectId: "prj_leak", environmentId: "env_b", name: "plain", command: "true", cwd: "", env: { DATABASE_URL: "postgres://u:hunter22@db/app" }, healthUrl: "" }),
    );
    expect(error.reason).toBe("config_secret_value_forbidden");
    expect(error.fieldViolations.map((v) => v.field)).toEqual(["env[DATABASE_URL]"]);
    expect(error.message).not.toContain("hunter22");
  });

  it("a planted secret appears in no plan, show, event, log line or error", async () => {
    const planted = plantedSecret("dpl");
    const dep = await importDep("prj_leak", "env_a", "db", "postgres", `postgres://app:${planted}@db.internal:5432/app`);
    const resource = await createResource("prj_leak", "env_a", "web");
    await bind("prj_leak", "env_a", resource.id, dep.id, "DATABASE_URL");
    await record(served.api.deployment.planDeployment({ resourceId: resource.id, runtimeTargetId: localServerId }));
    // The app cannot reach db.internal: it fails, and its failure is shown safely.
    const failed = await deployAndWait(resource.id, localServerId);
    expect(failed.status).toBe(DeploymentStatus.DEPLOYMENT_STATUS_FAILED);
    await record(served.api.deployment.listDeploymentEvents({ resourceId: resource.id, deploymentId: "", pageSize: 0, pageToken: "" }));
    const events = (await readEvents(deployment.prefix)).map((e) => e.raw).join("\n");
    expect(events).toContain("deployment.deployment.created");
    const places = { responses: seen.join("\n"), logs: served.server.output(), events };
    for (const [place, text] of Object.entries(places)) expect(text.includes(planted), `${place} contains the planted secret`).toBe(false);
  });
});
