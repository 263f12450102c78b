import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBerthApiError, Role, type BerthClient } from "@berth/client";
import { AUTHORIZATION_TABLE, type MethodRule, type RecordKind } from "@berth/host";
import { requestDescriptor } from "@berth/runtime";
import { adminQuery, databaseUrl, POSTGRES_ADMIN_URL } from "../support/env.js";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { readEvents } from "../support/nats.js";
import { cliEnv, cliSession, runCli } from "../support/server-process.js";

const deployment = testDeployment();
const served = serveForTests(deployment);
const { berth, json, outputs } = cliSession(() => served.env);

const IN = "prj_in";
const OUT = "prj_out";
const ENV = "env_a";
const ROLES = ["viewer", "deployer", "operator", "admin"] as const;
type RoleName = (typeof ROLES)[number];
const tokens = {} as Record<RoleName, { id: string; bearer: string; client: BerthClient }>;
const clients: BerthClient[] = [];
/** Records of each kind in each project; kinds this test does not create get ids that exist nowhere. */
const records: Record<string, Record<RecordKind, string>> = {};
const bearers: string[] = [];

const SERVICE_CLIENT: Record<string, keyof BerthClient> = {
  "berth.dependency.v1.DependencyService": "dependency",
  "berth.dependency.v1.DependencyInternalService": "dependencyInternal",
  "berth.provider.v1.ProviderService": "providers",
  "berth.binding.v1.BindingService": "binding",
  "berth.binding.v1.BindingInternalService": "bindingInternal",
  "berth.deployment.v1.DeploymentService": "deployment",
  "berth.deployment.v1.DeploymentInternalService": "deploymentInternal",
  "berth.backup.v1.BackupService": "backup",
  "berth.backup.v1.BackupInternalService": "backupInternal",
  "berth.access.v1.AccessService": "access",
};

/** A request of the RPC's type with every field at its default (what a client sends when it sets nothing). */
function defaultRequest(rpc: string): Record<string, unknown> {
  const request: Record<string, unknown> = {};
  for (const field of requestDescriptor(rpc).fields) {
    if (field.proto.proto3Optional || field.oneof) continue;
    if (field.fieldKind === "list") request[field.jsonName] = [];
    else if (field.fieldKind === "map") request[field.jsonName] = {};
    else if (field.fieldKind === "enum") request[field.jsonName] = 0;
    else if (field.fieldKind === "scalar") request[field.jsonName] = field.scalar === 8 ? false : field.scalar === 9 ? "" : 0;
  }
  return request;
}

/** Calls any RPC by path; a stream answers with its first message (or error). */
async function call(client: BerthClient, rpc: string, request: Record<string, unknown>): Promise<{ ok: true; response: unknown } | { ok: false; code: string; reason: string; message: string }> {
  const [, service, method] = rpc.split("/");
  const stub = client[SERVICE_CLIENT[service]] as unknown as Record<string, (r: unknown, o?: unknown) => unknown>;
  const fn = stub[method[0].toLowerCase() + method.slice(1)];
  try {
    const result = fn(request, { timeoutMs: 5000 });
    if (result && typeof (result as Promise<unknown>).then === "function") return { ok: true, response: await result };
    const stream = result as AsyncIterable<unknown> & { cancel(): void };
    for await (const message of stream) {
      stream.cancel();
      return { ok: true, response: message };
    }
    return { ok: true, response: undefined };
  } catch (error) {
    if (isBerthApiError(error)) return { ok: false, code: error.codeName, reason: error.reason, message: error.message };
    throw error;
  }
}

function requestFor(rpc: string, rule: MethodRule, project: string): Record<string, unknown> {
  const request = defaultRequest(rpc);
  for (const [field, kind] of Object.entries(rule.scope.records ?? {})) request[field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = records[project][kind];
  if ("projectId" in request) request.projectId = project;
  if ("environmentId" in request) request.environmentId = ENV;
  if ("requestId" in request) request.requestId = `matrix-${Math.random().toString(36).slice(2)}`;
  return request;
}

const RANK = (role: string) => ROLES.indexOf(role as RoleName);
/** Calls that destroy or change the representative records: run last, once, in scope. */
const DESTRUCTIVE = new Set(["DeleteDependency", "DeleteResource", "UnbindDependency", "DeleteBackup", "DeleteRuntimeTarget", "RevokeToken", "RotateConnectionSecret", "UpdateDependency"]);
const methodOf = (rpc: string) => rpc.slice(rpc.lastIndexOf("/") + 1);
const isReal = (kind: RecordKind) => ["dependency", "resource", "binding", "policy"].includes(kind);

async function createRecords(project: string): Promise<void> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const { dependency } = await served.api.dependency.importDependency({
    requestId: `imp-${project}-${suffix}`, projectId: project, environmentId: ENV, name: "db", kind: "postgres",
    connectionUrl: POSTGRES_ADMIN_URL, probe: false, provenance: undefined, deletionProtection: false, dataClass: undefined,
  });
  const { resource } = await served.api.deployment.createResource({
    requestId: `res-${project}-${suffix}`, projectId: project, environmentId: ENV, name: "web", command: "true", cwd: "", env: {}, healthUrl: "", provenance: undefined,
  });
  const { binding } = await served.api.binding.bindDependency({
    requestId: `bnd-${project}-${suffix}`, projectId: project, environmentId: ENV, resourceId: resource!.id, dependencyId: dependency!.id, targetEnvVar: "DATABASE_URL", provenance: undefined,
  });
  const { policy } = await served.api.backup.configureBackupPolicy({ requestId: `pol-${project}-${suffix}`, dependencyId: dependency!.id, intervalHours: 24, retentionDays: 7, retryOnFailure: false, enabled: false });
  records[project] = {
    dependency: dependency!.id, resource: resource!.id, binding: binding!.id, policy: policy!.id,
    deployment: `dpl_nowhere${project}`, backup: `bkp_nowhere${project}`, restore: `rst_nowhere${project}`, drill: `drl_nowhere${project}`,
  };
}

beforeAll(async () => {
  await createRecords(IN);
  await createRecords(OUT);
  for (const role of ROLES) {
    const created = await served.api.access.createToken({ name: `matrix-${role}`, role: Role[`ROLE_${role.toUpperCase()}` as keyof typeof Role] as Role, projectIds: role === "admin" ? [] : [IN], environmentIds: [] });
    const client = served.server.client(created.bearerToken);
    clients.push(client);
    bearers.push(created.bearerToken);
    tokens[role] = { id: created.token!.id, bearer: created.bearerToken, client };
  }
}, 120_000);

afterAll(() => {
  for (const c of clients) c.close();
});

describe("every RPC × every role × in-scope / out-of-scope record", () => {
  it("refuses what a role may not do with a reason naming the role, hides other projects' records, and lets the rest through", async () => {
    const snapshotOut = async () => JSON.stringify([
      (await served.api.dependency.getDependency({ id: records[OUT].dependency })).dependency,
      (await served.api.deployment.getResource({ id: records[OUT].resource })).resource,
      (await served.api.binding.getBinding({ id: records[OUT].binding })).binding,
      (await served.api.backup.getBackupPolicy({ id: records[OUT].policy, dependencyId: "" })).policy,
    ]);
    const before = await snapshotOut();
    const failures: string[] = [];
    const destructive: Array<[string, MethodRule]> = [];
    let checked = 0;
    for (const [rpc, rule] of Object.entries(AUTHORIZATION_TABLE)) {
      if (rule.role === "internal") {
        for (const role of ROLES) {
          const result = await call(tokens[role].client, rpc, defaultRequest(rpc));
          if (result.ok || result.code !== "PERMISSION_DENIED") failures.push(`${rpc} as ${role}: internal RPC answered ${result.ok ? "OK" : result.code}`);
          checked += 1;
        }
        continue;
      }
      for (const role of ROLES) {
        // Admin tokens reach every project (the snapshot below reads the other project with one); scoped tokens are tried on both.
        for (const project of rule.scope.global || role === "admin" ? [IN] : [IN, OUT]) {
          const label = `${methodOf(rpc)} as ${role} on ${project}`;
          const needsRole = RANK(rule.role) > RANK(role);
          if (!needsRole && (project === IN || role === "admin") && rule.isMutation && DESTRUCTIVE.has(methodOf(rpc))) {
            if (!destructive.some(([r]) => r === rpc)) destructive.push([rpc, rule]);
            continue;
          }
          checked += 1;
          const result = await call(tokens[role].client, rpc, requestFor(rpc, rule, project));
          const isScoped = role !== "admin";
          if (needsRole) {
            if (result.ok || result.code !== "PERMISSION_DENIED" || result.reason !== `${rule.role}_role_required`) failures.push(`${label}: expected ${rule.role}_role_required, got ${JSON.stringify(result).slice(0, 200)}`);
            continue;
          }
          if (project === OUT && isScoped) {
            const named = Object.values(rule.scope.records ?? {});
            if (rule.isMutation) {
              const allReal = named.every(isReal);
              const expected = allReal ? ["PERMISSION_DENIED"] : ["PERMISSION_DENIED", "NOT_FOUND"];
              if (result.ok || !expected.includes(result.code) || (result.code === "PERMISSION_DENIED" && result.reason !== "outside_token_scope")) {
                failures.push(`${label}: expected outside_token_scope, got ${JSON.stringify(result).slice(0, 200)}`);
              }
            } else if (named.length > 0) {
              if (result.ok || result.code !== "NOT_FOUND") failures.push(`${label}: expected NOT_FOUND, got ${JSON.stringify(result).slice(0, 200)}`);
            } else if (!result.ok) {
              failures.push(`${label}: a list out of scope should answer (empty), got ${result.code} ${result.reason}`);
            } else if (JSON.stringify(result.response).includes(OUT)) {
              failures.push(`${label}: list leaked a record of ${OUT}`);
            }
            continue;
          }
          // Allowed: the edge must not refuse; a handler may still reject the incomplete request.
          if (!result.ok && ["UNAUTHENTICATED", "PERMISSION_DENIED"].includes(result.code)) failures.push(`${label}: refused ${result.code} ${result.reason}`);
          const hiddenReasons = Object.values(rule.scope.records ?? {}).filter(isReal).map((kind) => (kind === "policy" ? "backup_policy_not_found" : `${kind}_not_found`));
          if (!result.ok && result.code === "NOT_FOUND" && hiddenReasons.includes(result.reason)) {
            failures.push(`${label}: a record in scope was NOT_FOUND (${result.reason})`);
          }
          if (result.ok && isScoped && JSON.stringify(result.response ?? {}).includes(OUT)) failures.push(`${label}: response names ${OUT}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(400);
    // Nothing of the other project was read or changed by any of those calls.
    expect(await snapshotOut()).toBe(before);

    // Destructive calls, once each, with the least role allowed, in scope: not refused by the edge.
    for (const [rpc, rule] of destructive) {
      const role = rule.role as RoleName;
      const result = await call(tokens[role].client, rpc, requestFor(rpc, rule, IN));
      expect(result.ok || !["UNAUTHENTICATED", "PERMISSION_DENIED"].includes(result.code), `${rpc} as ${role}: ${JSON.stringify(result)}`).toBe(true);
    }
    expect(await snapshotOut()).toBe(before);
  }, 240_000);
});

describe("tokens", () => {
  it("are created, listed and shown without their value, and a revoked or expired token is refused", async () => {
    const created = await json<{ token: { id: string; name: string }; bearerToken: string }>(["token", "create", "--name", "ci-shop", "--project", IN, "--role", "deployer", "--expires-in", "30d"]);
    bearers.push(created.bearerToken);
    expect(created.token.id).toMatch(/^btk_/);
    expect(created.bearerToken.startsWith(`${created.token.id}.`)).toBe(true);
    const list = await berth(["token", "list"]);
    expect(list.stdout).toContain("ci-shop");
    const show = await berth(["token", "show", created.token.id]);
    expect(show.stdout).toMatch(/ROLE:\s+deployer/);

    const env = cliEnv(served.server.address, created.bearerToken);
    expect((await runCli(["dependency", "list", "--project", IN, "-o", "json"], env)).code).toBe(0);
    expect((await berth(["token", "revoke", created.token.id])).code).toBe(0);
    // Revocation holds within a second on every replica (the cache is at most 1 s old).
    await new Promise((r) => setTimeout(r, 1100));
    const refused = await runCli(["dependency", "list", "--project", IN], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("token_revoked");

    const short = await served.api.access.createToken({ name: "short", role: Role.ROLE_VIEWER, projectIds: [IN], environmentIds: [], expiresInSeconds: 1 });
    bearers.push(short.bearerToken);
    const shortClient = served.server.client(short.bearerToken);
    await new Promise((r) => setTimeout(r, 1300));
    const expired = await call(shortClient, "/berth.dependency.v1.DependencyService/ListDependencies", defaultRequest("/berth.dependency.v1.DependencyService/ListDependencies"));
    shortClient.close();
    expect(expired).toMatchObject({ ok: false, code: "UNAUTHENTICATED", reason: "token_expired" });

    // Scoped tokens may not mint tokens; admin tokens cannot be scoped.
    const escalate = await call(tokens.operator.client, "/berth.access.v1.AccessService/CreateToken", { name: "x", role: Role.ROLE_ADMIN, projectIds: [], environmentIds: [] });
    expect(escalate).toMatchObject({ ok: false, code: "PERMISSION_DENIED", reason: "admin_role_required" });
    const scopedAdmin = await berth(["token", "create", "--name", "x", "--project", IN, "--role", "admin"]);
    expect(scopedAdmin.code).not.toBe(0);
  });

  it("the internal service token opens internal RPCs and the public ones services call on each other, nothing else", async () => {
    const internal = served.server.client(deployment.secrets.internalToken);
    try {
      // A public RPC a service calls on another: answered (an unknown id is simply not found).
      const get = await call(internal, "/berth.dependency.v1.DependencyService/GetDependency", { id: "dep_doesnotexist" });
      expect(get).toMatchObject({ ok: false, code: "NOT_FOUND" });
      // Any other public RPC: refused, and nothing is created.
      const create = await call(internal, "/berth.deployment.v1.DeploymentService/CreateResource", defaultRequest("/berth.deployment.v1.DeploymentService/CreateResource"));
      expect(create).toMatchObject({ ok: false, code: "PERMISSION_DENIED", reason: "permission_denied" });
      const list = await call(internal, "/berth.dependency.v1.DependencyService/ListDependencies", defaultRequest("/berth.dependency.v1.DependencyService/ListDependencies"));
      expect(list).toMatchObject({ ok: false, code: "PERMISSION_DENIED" });
    } finally {
      internal.close();
    }
  });

  it("a forged bearer with a real id and a planted secret is refused, and the planted value appears nowhere", async () => {
    const planted = `${tokens.viewer.id}.${"Zq".padEnd(43, "7")}`;
    const forged = served.server.client(planted);
    const result = await call(forged, "/berth.dependency.v1.DependencyService/ListDependencies", defaultRequest("/berth.dependency.v1.DependencyService/ListDependencies"));
    forged.close();
    expect(result).toMatchObject({ ok: false, code: "UNAUTHENTICATED" });
    expect(JSON.stringify(result)).not.toContain("Zq7777");
    bearers.push(planted);
  });
});

describe("the audit log", () => {
  const accessDb = () => databaseUrl(deployment.databaseName);

  it("records mutations and refusals with who, what and where, never a payload, and publishes them as events", async () => {
    type Listed = { items: Array<{ tokenName: string; method: string; projectId: string; phase: string; code: string; reason: string; peer: string; targetIds: string[] }> };
    const list = await json<Listed>(["audit", "list", "--project", IN, "--actor", "matrix-viewer", "--all"]);
    expect(list.items.some((r) => r.phase === "denied" && r.reason === "deployer_role_required")).toBe(true);
    const bound = await json<Listed>(["audit", "list", "--target", records[IN].binding, "--since", "1h"]);
    expect(bound.items.some((r) => r.method.endsWith("/BindDependency") && r.phase === "outcome" && r.code === "OK" && r.tokenName === "bootstrap-admin")).toBe(true);
    // Each mutation: an attempt record before it ran (fail-closed), an outcome after, with the same request id.
    const byDeployer = await json<{ items: Array<{ seq: string; phase: string; requestId: string }> }>(["audit", "list", "--actor", "matrix-deployer", "--all"]);
    const outcome = byDeployer.items.find((r) => r.phase === "outcome")!;
    const attempt = byDeployer.items.find((r) => r.phase === "attempt" && r.requestId === outcome.requestId)!;
    expect(BigInt(attempt.seq)).toBeLessThan(BigInt(outcome.seq));
    expect(list.items.every((r) => r.projectId === IN && r.peer.length > 0)).toBe(true);
    // An operator reads its own projects' records only.
    const asOperator = await call(tokens.operator.client, "/berth.access.v1.AccessService/ListAuditRecords", { ...defaultRequest("/berth.access.v1.AccessService/ListAuditRecords"), pageSize: 500 });
    expect(asOperator.ok).toBe(true);
    const seen = (asOperator as { response: { records: Array<{ projectId: string }> } }).response.records;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.projectId === IN)).toBe(true);

    await new Promise((r) => setTimeout(r, 1500));
    const events = (await readEvents(deployment.prefix)).filter((e) => e.type === "access.audit.recorded");
    expect(events.length).toBeGreaterThan(10);
    const rows = await adminQuery<{ c: string }>("SELECT count(*)::text AS c FROM berth_access.audit_records", [], accessDb());
    expect(Number(rows[0].c)).toBeGreaterThan(10);
  });

  it("stays one verifiable chain under concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        tokens.operator.client.backup.configureBackupPolicy({ requestId: `conc-${i}-${Date.now()}`, dependencyId: records[IN].dependency, intervalHours: 1 + (i % 20), retentionDays: 7, retryOnFailure: false, enabled: false }),
      ),
    );
    const verify = await berth(["audit", "verify"]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/intact/);
  });

  it("berth audit verify detects a modified, a deleted and a reordered row", async () => {
    const db = accessDb();
    const [{ seq }] = await adminQuery<{ seq: string }>("SELECT (max(seq) - 5)::text AS seq FROM berth_access.audit_records", [], db);
    const row = (await adminQuery<Record<string, unknown>>("SELECT * FROM berth_access.audit_records WHERE seq = $1", [seq], db))[0];

    await adminQuery("UPDATE berth_access.audit_records SET code = 'OK', reason = '' WHERE seq = $1", [seq], db);
    let verify = await json<{ isIntact: boolean; problems: Array<{ seq: string; problem: string }> }>(["audit", "verify"]).catch(async () => JSON.parse((await berth(["audit", "verify", "-o", "json"])).stdout));
    if (row.code !== "OK" || row.reason !== "") {
      expect(verify.isIntact).toBe(false);
      expect(verify.problems).toContainEqual({ seq, problem: "modified" });
    }
    await adminQuery("UPDATE berth_access.audit_records SET code = $2, reason = $3, token_name = token_name || 'x' WHERE seq = $1", [seq, row.code, row.reason], db);
    verify = JSON.parse((await berth(["audit", "verify", "-o", "json"])).stdout);
    expect(verify.problems).toContainEqual({ seq, problem: "modified" });
    await adminQuery("UPDATE berth_access.audit_records SET token_name = $2 WHERE seq = $1", [seq, row.token_name], db);
    expect((await berth(["audit", "verify"])).code).toBe(0);

    await adminQuery("DELETE FROM berth_access.audit_records WHERE seq = $1", [seq], db);
    const deleted = await berth(["audit", "verify", "-o", "json"]);
    expect(deleted.code).toBe(1);
    expect(JSON.parse(deleted.stdout).problems).toContainEqual({ seq: String(BigInt(seq) + 1n), problem: "missing_before" });
    const columns = Object.keys(row);
    await adminQuery(`INSERT INTO berth_access.audit_records (${columns.join(",")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(",")})`, columns.map((c) => (c === "target_ids" ? JSON.stringify(row[c]) : row[c])), db);
    expect((await berth(["audit", "verify"])).code).toBe(0);

    // Reorder: rows seq and seq+1 swap places.
    const next = String(BigInt(seq) + 1n);
    await adminQuery("UPDATE berth_access.audit_records SET seq = -1 WHERE seq = $1", [seq], db);
    await adminQuery("UPDATE berth_access.audit_records SET seq = $1 WHERE seq = $2", [seq, next], db);
    await adminQuery("UPDATE berth_access.audit_records SET seq = $1 WHERE seq = -1", [next], db);
    const reordered = await berth(["audit", "verify", "-o", "json"]);
    expect(reordered.code).toBe(1);
    expect(JSON.parse(reordered.stdout).problems.length).toBeGreaterThan(0);
    await adminQuery("UPDATE berth_access.audit_records SET seq = -1 WHERE seq = $1", [seq], db);
    await adminQuery("UPDATE berth_access.audit_records SET seq = $1 WHERE seq = $2", [seq, next], db);
    await adminQuery("UPDATE berth_access.audit_records SET seq = $1 WHERE seq = -1", [next], db);
    expect((await berth(["audit", "verify"])).code).toBe(0);
  });

  it("fails a mutation closed when its audit record cannot be written", async () => {
    const db = accessDb();
    await adminQuery("CREATE FUNCTION berth_access.refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit disk full'; END $$", [], db);
    await adminQuery("CREATE TRIGGER refuse_audit BEFORE INSERT ON berth_access.audit_records FOR EACH ROW EXECUTE FUNCTION berth_access.refuse_audit()", [], db);
    try {
      const result = await call(tokens.deployer.client, "/berth.deployment.v1.DeploymentService/CreateResource", { ...requestFor("/berth.deployment.v1.DeploymentService/CreateResource", AUTHORIZATION_TABLE["/berth.deployment.v1.DeploymentService/CreateResource"], IN), name: "unaudited", command: "true" });
      expect(result).toMatchObject({ ok: false, code: "UNAVAILABLE", reason: "audit_unavailable" });
    } finally {
      await adminQuery("DROP TRIGGER refuse_audit ON berth_access.audit_records", [], db);
      await adminQuery("DROP FUNCTION berth_access.refuse_audit()", [], db);
    }
    const { resources } = await served.api.deployment.listResources({ projectId: IN, environmentId: ENV, name: "unaudited", pageSize: 0, pageToken: "" });
    expect(resources).toEqual([]);
  });

  it("never holds a token value: not in server logs, audit records, events, errors or listings", async () => {
    const audit = await adminQuery<Record<string, unknown>>("SELECT * FROM berth_access.audit_records", [], accessDb());
    const tokenRows = await adminQuery<Record<string, unknown>>("SELECT * FROM berth_access.tokens", [], accessDb());
    const events = await readEvents(deployment.prefix);
    const haystacks = { log: served.server.output(), audit: JSON.stringify(audit), tokens: JSON.stringify(tokenRows), events: JSON.stringify(events), cli: outputs.join("\n") };
    for (const bearer of bearers) {
      const secret = bearer.slice(bearer.indexOf(".") + 1);
      for (const [where, text] of Object.entries(haystacks)) {
        // The CLI printed each created token once, on purpose (token create); nowhere else may it appear.
        const count = text.split(secret).length - 1;
        expect(count, `${where} holds a token secret`).toBe(where === "cli" ? (count > 0 ? 1 : 0) : 0);
      }
    }
    expect(haystacks.log).not.toContain(deployment.secrets.adminToken);
  });
});
