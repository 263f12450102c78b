import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProviderError, type RealizationTarget } from "@berth/provider-sdk";
import { opensearchProvider } from "../src/index.js";
import { startFakeOpenSearch, type FakeOpenSearch } from "./fake-opensearch.js";
import { openSearchSample, request } from "./sample.js";

const signal = new AbortController().signal;
const depId = () => `dep_sec${randomBytes(4).toString("hex")}`;

describe("with the security plugin (protocol-level fake of OpenSearch 2.x, not a real server)", () => {
  let fake: FakeOpenSearch;
  let target: RealizationTarget;
  beforeAll(async () => {
    fake = await startFakeOpenSearch({ security: true });
    target = { name: "fake", kind: "opensearch", adminUrl: fake.adminUrl };
  });
  afterAll(() => fake.close());

  const admin = (path: string, init?: { method?: string; json?: unknown }) => request(fake.adminUrl, path, init);

  it("realize creates a role limited to the prefix, a user sent only as a bcrypt hash, and their mapping", async () => {
    const id = depId();
    const name = `berth_${id}`;
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "orders", kind: "opensearch", target, signal });
    const url = new URL(result.connectionUrl);
    expect(url.username).toBe(name);
    expect(url.pathname).toBe(`/${name}_`);
    expect(result.metadata).toMatchObject({ index: `${name}_`, user: name, isolation: "security-plugin", tls: "false" });

    const role = (await (await admin(`/_plugins/_security/api/roles/${name}`)).json()) as Record<string, { index_permissions: unknown; cluster_permissions: string[] }>;
    expect(role[name].index_permissions).toEqual([{ index_patterns: [`${name}_*`], allowed_actions: ["crud", "create_index", "manage"] }]);
    expect(role[name].cluster_permissions).not.toContain("cluster_monitor");
    const mapping = (await (await admin(`/_plugins/_security/api/rolesmapping/${name}`)).json()) as Record<string, { users: string[] }>;
    expect(mapping[name].users).toEqual([name]);

    const password = decodeURIComponent(url.password);
    const userPut = fake.requests.find((r) => r.method === "PUT" && r.path === `/_plugins/_security/api/internalusers/${name}`);
    expect(JSON.parse(userPut!.body).hash).toMatch(/^\$2y\$10\$/);
    expect(fake.requests.some((r) => r.body.includes(password)), "the plaintext password went over the wire").toBe(false);
  });

  it("a dependency's user is refused (403 security_exception) on another dependency's indices and on the security API", async () => {
    const a = await opensearchProvider.realize!({ dependencyId: depId(), name: "a", kind: "opensearch", target, signal });
    const b = await opensearchProvider.realize!({ dependencyId: depId(), name: "b", kind: "opensearch", target, signal });
    await openSearchSample.write(a.connectionUrl, a.metadata, "secret-of-a");
    const indexOfA = `${a.metadata.index}sample`;
    for (const [path, method] of [
      [`/${indexOfA}/_doc/sample`, "GET"],
      [`/${indexOfA}`, "GET"],
      [`/${indexOfA}`, "DELETE"],
      [`/${a.metadata.index}*`, "GET"],
    ] as const) {
      const response = await request(b.connectionUrl, path, { method });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe("security_exception");
    }
    const search = await request(b.connectionUrl, `/${indexOfA}/_search`, { method: "POST", json: { query: { match_all: {} } } });
    expect(search.status).toBe(403);
    const users = await request(b.connectionUrl, "/_plugins/_security/api/internalusers/admin");
    expect(users.status).toBe(403);
    // Its own prefix works, including creating indices and cluster-level GET /.
    await openSearchSample.write(b.connectionUrl, b.metadata, "mine");
    expect((await request(b.connectionUrl, "/")).status).toBe(200);
  });

  it("realizing again issues a new password: the old one stops working, the data stays", async () => {
    const id = depId();
    const first = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target, signal });
    await openSearchSample.write(first.connectionUrl, first.metadata, "kept");
    const second = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target, signal });
    expect((await request(first.connectionUrl, "/")).status).toBe(401);
    expect(await openSearchSample.read(second.connectionUrl, second.metadata)).toBe("kept");
  });

  it("release deletes user, mapping, role and every index under the prefix by explicit name", async () => {
    const id = depId();
    const name = `berth_${id}`;
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target, signal });
    for (const suffix of ["one", "two"]) await request(result.connectionUrl, `/${name}_${suffix}/_doc/1?refresh=true`, { method: "PUT", json: { n: 1 } });
    const before = fake.requests.length;
    await opensearchProvider.release!({ dependencyId: id, kind: "opensearch", target, metadata: result.metadata, signal });
    expect(fake.indexNames().filter((index) => index.startsWith(`${name}_`))).toEqual([]);
    for (const path of ["internalusers", "rolesmapping", "roles"]) expect((await admin(`/_plugins/_security/api/${path}/${name}`)).status).toBe(404);
    const deletes = fake.requests.slice(before).filter((r) => r.method === "DELETE" && !r.path.startsWith("/_plugins"));
    expect(deletes.map((r) => r.path)).toEqual([`/${name}_one,${name}_two`]);
    expect((await request(result.connectionUrl, "/")).status).toBe(401);
  });

  it("?security=false on the admin URL skips the security plugin: no user, the target's credentials, isolation none", async () => {
    const id = depId();
    const flagged = { ...target, adminUrl: `${fake.adminUrl}?security=false` };
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target: flagged, signal });
    expect(result.metadata.isolation).toBe("none");
    expect(new URL(result.connectionUrl).username).toBe("admin");
    expect(new URL(result.connectionUrl).search).toBe("");
    expect((await admin(`/_plugins/_security/api/internalusers/berth_${id}`)).status).toBe(404);
  });

  it("?password_hashing=server sends the password for the plugin to hash, and the login works", async () => {
    const id = depId();
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target: { ...target, adminUrl: `${fake.adminUrl}?password_hashing=server` }, signal });
    const userPut = fake.requests.findLast((r) => r.path === `/_plugins/_security/api/internalusers/berth_${id}`);
    expect(Object.keys(JSON.parse(userPut!.body))).toContain("password");
    expect((await request(result.connectionUrl, "/")).status).toBe(200);
  });

  it("delivers publicHost to workloads but checks the new login through the admin host", async () => {
    const result = await opensearchProvider.realize!({ dependencyId: depId(), name: "x", kind: "opensearch", target: { ...target, publicHost: "search.example.internal" }, signal });
    expect(new URL(result.connectionUrl).hostname).toBe("search.example.internal");
    expect(result.metadata.host).toBe("search.example.internal");
  });

  it("refuses an admin URL with a path or a malformed flag as invalid_input, without echoing it", async () => {
    for (const adminUrl of [`${fake.adminUrl}some/path`, `${fake.adminUrl}?security=maybe`]) {
      const error = await opensearchProvider.realize!({ dependencyId: depId(), name: "x", kind: "opensearch", target: { ...target, adminUrl }, signal }).catch((e: unknown) => e);
      expect(isProviderError(error) && error.code).toBe("invalid_input");
      expect((error as Error).message).not.toContain(new URL(fake.adminUrl).password);
    }
  });

  it("a wrong admin password is target_unavailable, and the message does not carry it", async () => {
    const wrong = new URL(fake.adminUrl);
    wrong.password = "Wrong-pass-1234";
    const error = await opensearchProvider.realize!({ dependencyId: depId(), name: "x", kind: "opensearch", target: { ...target, adminUrl: wrong.toString() }, signal }).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("target_unavailable");
    expect((error as Error).message).not.toContain("Wrong-pass-1234");
    expect((error as Error).message).toContain("401");
  });

  it("probe refuses a connection whose password is wrong with authentication_failed", async () => {
    const result = await opensearchProvider.realize!({ dependencyId: depId(), name: "x", kind: "opensearch", target, signal });
    const url = new URL(result.connectionUrl);
    url.password = "Not-the-password-99";
    const error = await opensearchProvider.probe!({ kind: "opensearch", connectionUrl: url.toString(), signal }).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("authentication_failed");
    expect((error as Error).message).not.toContain("Not-the-password-99");
  });
});
