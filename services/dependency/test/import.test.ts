import { status as GrpcStatus } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionVerification, DependencySource, DependencyStatus } from "@berth/client";
import { plantedSecret } from "../../../test/support/env.js";
import { startDependencyHarness, type Harness } from "./harness.js";
import { apiError, importUrl, READY, resolveUrl, SCOPE, uniqueName } from "./helpers.js";

let h: Harness;
beforeAll(async () => {
  h = await startDependencyHarness();
});
afterAll(async () => {
  await h?.close();
});

async function countAll(): Promise<number> {
  const page = await h.admin.dependency.listDependencies({ projectId: "", environmentId: "", kind: "", status: 0, pageSize: 500, pageToken: "", showDeleted: true });
  return page.dependencies.length;
}

const password = plantedSecret("imp");
const VALID: Array<[string, string, Record<string, string>]> = [
  ["postgres", `postgres://app:${password}@db.internal:5432/shop`, { host: "db.internal", port: "5432", database: "shop", user: "app" }],
  ["redis", `rediss://default:${password}@cache.internal:6380/2`, { host: "cache.internal", port: "6380", db: "2", tls: "true" }],
  ["mysql", `mysql://app:${password}@mysql.internal/orders`, { host: "mysql.internal", port: "3306", database: "orders" }],
  ["clickhouse", `https://analyst:${password}@ch.internal:8443/?database=events`, { host: "ch.internal", port: "8443", database: "events" }],
  ["object-storage", `s3://AKIAEXAMPLE:${password}@s3.internal:9000/media-bucket?region=eu-west-1`, { bucket: "media-bucket", region: "eu-west-1", access_key_id: "AKIAEXAMPLE" }],
  ["opensearch", `https://search:${password}@search.internal:9200/shop-logs`, { host: "search.internal", port: "9200", index: "shop-logs" }],
];

describe("import an external dependency", () => {
  it.each(VALID)("records a %s connection as a ready dependency with safe metadata", async (kind, url, expected) => {
    const dependency = await importUrl(h.admin, kind, url);
    expect(dependency.status).toBe(READY);
    expect(dependency.source).toBe(DependencySource.DEPENDENCY_SOURCE_IMPORTED);
    expect(dependency.kind).toBe(kind);
    expect(dependency.metadata).toMatchObject(expected);
    expect(dependency.maskedConnectionUrl).toContain("****");
    expect(JSON.stringify(dependency)).not.toContain(password);
    // The one way back to the value is the internal resolve RPC.
    expect(await resolveUrl(h.internal, dependency)).toBe(url);
  });

  const BAD: Array<[string, string, string]> = [
    ["wrong scheme", "postgres", `mysql://app:${password}@db.internal:5432/shop`],
    ["no host", "redis", `redis://:${password}@:6379/0`],
    ["bad port", "postgres", `postgres://app:${password}@db.internal:99999/shop`],
    ["port zero", "mysql", `mysql://app:${password}@db.internal:0/shop`],
    ["garbage", "opensearch", `not a url ${password}`],
    ["missing database", "postgres", `postgres://app:${password}@db.internal:5432`],
    ["missing bucket", "object-storage", `s3://key:${password}@s3.internal:9000`],
  ];
  it.each(BAD)("rejects %s with INVALID_ARGUMENT and records nothing", async (_label, kind, url) => {
    const before = await countAll();
    const error = await apiError(importUrl(h.admin, kind, url));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.reason).toBe("connection_url_invalid");
    expect(error.fieldViolations.map((v) => v.field)).toContain("connection_url");
    expect(JSON.stringify({ message: error.message, violations: error.fieldViolations, metadata: error.metadata })).not.toContain(password);
    expect(await countAll()).toBe(before);
  });

  it("probes (logs in) when asked, and records nothing when unreachable", async () => {
    const before = await countAll();
    const error = await apiError(
      h.admin.dependency.importDependency({
        requestId: uniqueName("probe"),
        ...SCOPE,
        name: uniqueName("unreachable"),
        kind: "postgres",
        connectionUrl: `postgres://app:${password}@127.0.0.1:1/app`,
        probe: true,
        deletionProtection: false,
      }),
    );
    expect(error.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error.reason).toBe("connection_unreachable");
    expect(error.message).not.toContain(password);
    expect(await countAll()).toBe(before);

    const reachable = await h.admin.dependency.importDependency({
      requestId: uniqueName("probe"),
      ...SCOPE,
      name: uniqueName("pg-real"),
      kind: "postgres",
      // The test server trusts 127.0.0.1, so this logs in; test/e2e/probe.test.ts checks wrong passwords on a server that does not.
      connectionUrl: `postgres://postgres:${password}@127.0.0.1:5432/postgres`,
      probe: true,
      deletionProtection: false,
    });
    expect(reachable.dependency?.status).toBe(READY);
    expect(reachable.dependency?.connectionVerification).toBe(ConnectionVerification.CONNECTION_VERIFICATION_VERIFIED);
  });

  it("is idempotent by request id; a duplicate name is ALREADY_EXISTS", async () => {
    const name = uniqueName("cache");
    const url = `redis://default:${password}@cache.internal:6379/0`;
    const first = await importUrl(h.admin, "redis", url, name, `req-${name}`);
    const retry = await importUrl(h.admin, "redis", url, name, `req-${name}`);
    expect(retry.id).toBe(first.id);
    expect(retry.connectionSecretRef).toBe(first.connectionSecretRef);
    const duplicate = await apiError(importUrl(h.admin, "redis", url, name));
    expect(duplicate.code).toBe(GrpcStatus.ALREADY_EXISTS);
    expect(duplicate.reason).toBe("dependency_already_exists");
    expect(duplicate.message).not.toContain(password);
  });

  it("stores a new secret version when the external connection changes", async () => {
    const dependency = await importUrl(h.admin, "postgres", `postgres://app:${password}@db.internal:5432/shop`);
    const rotated = plantedSecret("rot");
    const { dependency: updated } = await h.admin.dependency.updateDependencyConnection({
      id: dependency.id,
      requestId: uniqueName("upd"),
      connectionUrl: `postgres://app:${rotated}@db.internal:5432/shop`,
      probe: false,
    });
    expect(updated?.connectionSecretRef).toBe(`secret://${dependency.id}/connection@2`);
    // The old reference still names the old value.
    expect(await resolveUrl(h.internal, dependency)).toContain(password);
    expect(await resolveUrl(h.internal, updated!)).toContain(rotated);
  });

  it("lists with filters and stable pages", async () => {
    const environmentId = `env_${uniqueName("page").replace(/-/g, "_")}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { dependency } = await h.admin.dependency.importDependency({
        requestId: uniqueName("pg"),
        projectId: SCOPE.projectId,
        environmentId,
        name: `svc-${i}`,
        kind: i % 2 === 0 ? "redis" : "postgres",
        connectionUrl: i % 2 === 0 ? `redis://h${i}.internal:6379` : `postgres://u:${password}@h${i}.internal/db`,
        probe: false,
        deletionProtection: false,
      });
      ids.push(dependency!.id);
    }
    const seen: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await h.admin.dependency.listDependencies({ projectId: "", environmentId, kind: "", status: 0, pageSize: 2, pageToken, showDeleted: false });
      seen.push(...page.dependencies.map((d) => d.id));
      pageToken = page.nextPageToken;
      pages += 1;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);

    const redis = await h.admin.dependency.listDependencies({ projectId: "", environmentId, kind: "redis", status: 0, pageSize: 0, pageToken: "", showDeleted: false });
    expect(redis.dependencies.map((d) => d.name)).toEqual(["svc-0", "svc-2", "svc-4"]);
    const failed = await h.admin.dependency.listDependencies({ projectId: "", environmentId, kind: "", status: DependencyStatus.DEPENDENCY_STATUS_FAILED, pageSize: 0, pageToken: "", showDeleted: false });
    expect(failed.dependencies).toEqual([]);

    const badToken = await apiError(h.admin.dependency.listDependencies({ projectId: "", environmentId, kind: "", status: 0, pageSize: 2, pageToken: "garbage", showDeleted: false }));
    expect(badToken.reason).toBe("invalid_page_token");
  });
});
