import { describe, expect, it } from "vitest";
import { isProviderError, type ProviderError } from "@berth/provider-sdk";
import { IMPORTABLE_KINDS, importedProvider } from "../src/index.js";

// Unique enough that finding it anywhere in output means it leaked.
const PW = "Pl4nted-S3cret-7f1e9c";

/** Calls fn, expects a ProviderError, and returns it. */
function caught(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    if (isProviderError(error)) return error;
    throw error;
  }
  throw new Error("expected a ProviderError");
}

function expectRejected(kind: string, url: string, secret = PW): ProviderError {
  const error = caught(() => importedProvider.describeConnection(kind, url));
  expect(error.code).toBe("invalid_input");
  expect(error.field).toBe("connection_url");
  expect(error.message).not.toContain(secret);
  expect(error.message).not.toContain(encodeURIComponent(secret));
  return error;
}

const valid: Record<string, { url: string; metadata: Record<string, string> }> = {
  postgres: {
    url: `postgresql://app:${PW}@db.example.com:6543/orders?sslmode=require`,
    metadata: { host: "db.example.com", port: "6543", database: "orders", user: "app", sslmode: "require" },
  },
  redis: {
    url: `rediss://default:${PW}@cache.example.com/3`,
    metadata: { host: "cache.example.com", port: "6379", db: "3", user: "default", tls: "true" },
  },
  mysql: {
    url: `mariadb://shop:${PW}@mysql.example.com/shop`,
    metadata: { host: "mysql.example.com", port: "3306", database: "shop", user: "shop" },
  },
  clickhouse: {
    url: `https://reader:${PW}@ch.example.com?database=events`,
    metadata: { host: "ch.example.com", port: "8443", database: "events", user: "reader", tls: "true" },
  },
  "object-storage": {
    url: `s3://AKIAEXAMPLE:${PW}@s3.eu-west-1.amazonaws.com/my-app.assets?region=eu-west-1`,
    metadata: {
      endpoint: "https://s3.eu-west-1.amazonaws.com:443",
      host: "s3.eu-west-1.amazonaws.com",
      port: "443",
      bucket: "my-app.assets",
      region: "eu-west-1",
      tls: "true",
      access_key_id: "AKIAEXAMPLE",
    },
  },
  opensearch: {
    url: `opensearch://search:${PW}@os.example.com/logs-app`,
    metadata: { host: "os.example.com", port: "9200", index: "logs-app", user: "search", tls: "true" },
  },
};

/** Per kind: a scheme of another kind, and a valid path so only the tested part is wrong. */
const shapes: Record<string, { scheme: string; wrongScheme: string; path: string; pathRequired: boolean }> = {
  postgres: { scheme: "postgres", wrongScheme: "mysql", path: "/app", pathRequired: true },
  redis: { scheme: "redis", wrongScheme: "postgres", path: "/0", pathRequired: false },
  mysql: { scheme: "mysql", wrongScheme: "postgresql", path: "/app", pathRequired: true },
  clickhouse: { scheme: "clickhouse", wrongScheme: "redis", path: "/default", pathRequired: false },
  "object-storage": { scheme: "s3", wrongScheme: "ftp", path: "/bucket-1", pathRequired: true },
  opensearch: { scheme: "https", wrongScheme: "s3", path: "/logs", pathRequired: true },
};

describe("manifest", () => {
  it("declares the six importable kinds and no capability (probes belong to each engine's provider)", () => {
    expect(IMPORTABLE_KINDS).toEqual(["postgres", "redis", "mysql", "clickhouse", "object-storage", "opensearch"]);
    expect(importedProvider.manifest).toEqual({
      name: "@berth/provider-imported",
      version: "0.1.0",
      sdkVersion: "^1.0.0",
      kinds: [...IMPORTABLE_KINDS],
      capabilities: { realize: false, release: false, probe: false, backup: false, restore: false, rotate: false },
    });
    expect(importedProvider.realize).toBeUndefined();
    expect(importedProvider.release).toBeUndefined();
    // A TCP connect proves nothing about the credentials; the dependency service delegates probes.
    expect(importedProvider.probe).toBeUndefined();
  });

  it("rejects an unknown kind as unsupported", () => {
    expect(caught(() => importedProvider.describeConnection("mongodb", "mongodb://h/db")).code).toBe("unsupported");
  });
});

describe.each(IMPORTABLE_KINDS)("%s", (kind) => {
  const { scheme, wrongScheme, path, pathRequired } = shapes[kind];

  it("describes a valid URL with safe metadata and a masked URL", () => {
    const { metadata, maskedUrl } = importedProvider.describeConnection(kind, valid[kind].url);
    expect(metadata).toEqual(valid[kind].metadata);
    expect(maskedUrl).not.toContain(PW);
    expect(maskedUrl).toContain("****");
    expect(JSON.stringify(metadata)).not.toContain(PW);
  });

  it("rejects a scheme of another kind and names the accepted ones", () => {
    const error = expectRejected(kind, `${wrongScheme}://u:${PW}@host.example${path}`);
    expect(error.message).toContain(`${scheme}://`);
  });

  it.each([`${scheme}://u:${PW}@${path}`, `${scheme}://u:${PW}@:1234${path}`, `${scheme}://${path}`])("rejects a URL without host: %s", (url) => {
    expect(expectRejected(kind, url).message).toMatch(/host/);
  });

  it.each(["0", "70000", "abc", "", "99999999"])("rejects port %j", (port) => {
    expect(expectRejected(kind, `${scheme}://u:${PW}@host.example:${port}${path}`).message).toMatch(/port/);
  });

  it.each([`garbage ${PW} text`, PW, `://${PW}`, `${scheme}:/u:${PW}@host${path}`, "%%%"])("rejects garbage %j as not a URL", (url) => {
    expect(expectRejected(kind, url).message).toMatch(/not a valid URL/);
  });

  it("rejects whitespace inside the URL", () => {
    expectRejected(kind, `${scheme}://u:${PW}@host.example${path} x`);
  });

  // Redis and ClickHouse have defaults (db 0, database "default"); see the kind-specific tests.
  if (pathRequired) {
    it("rejects a URL without database, bucket or index", () => {
      expectRejected(kind, `${scheme}://u:${PW}@host.example:1234`);
      expectRejected(kind, `${scheme}://u:${PW}@host.example:1234/`);
    });
  }

  it("does not leak a password that breaks URL syntax", () => {
    // An unencoded "/", "?" or "#" ends the authority early, so the password's head lands where the port goes.
    for (const sep of ["/", "?", "#"]) {
      expectRejected(kind, `${scheme}://u:Head-${PW}${sep}tail@host.example${path}`, `Head-${PW}`);
    }
  });
});

describe("kind-specific rules", () => {
  it("accepts IPv6 hosts and percent-encoded passwords", () => {
    const secret = "p@ss:w/rd-Secret-55";
    const url = `postgres://app:${encodeURIComponent(secret)}@[::1]:5433/app`;
    const { metadata, maskedUrl } = importedProvider.describeConnection("postgres", url);
    expect(metadata).toMatchObject({ host: "::1", port: "5433", database: "app" });
    expect(maskedUrl).not.toContain(encodeURIComponent(secret));
  });

  it("validates postgres sslmode", () => {
    expectRejected("postgres", `postgres://u:${PW}@h/app?sslmode=maybe`);
  });

  it("defaults redis to db 0 and rejects indexes outside 0-15", () => {
    expect(importedProvider.describeConnection("redis", `redis://:${PW}@h`).metadata).toEqual({ host: "h", port: "6379", db: "0", tls: "false" });
    for (const db of ["16", "-1", "x", "1/2"]) expectRejected("redis", `redis://:${PW}@h/${db}`);
  });

  it("uses the clickhouse port of each scheme and database 'default'", () => {
    expect(importedProvider.describeConnection("clickhouse", "clickhouse://h").metadata).toMatchObject({ port: "9000", database: "default", tls: "false" });
    expect(importedProvider.describeConnection("clickhouse", "http://h/analytics").metadata).toMatchObject({ port: "8123", database: "analytics" });
    expectRejected("clickhouse", `http://u:${PW}@h/a?database=b`);
  });

  it("checks S3 bucket names", () => {
    for (const bucket of ["ab", "a".repeat(64), "Upper", "-start", "end-", "under_score", "a..b", "192.168.1.1"]) {
      expectRejected("object-storage", `s3://key:${PW}@s3.example.com/${bucket}`);
    }
    const minio = importedProvider.describeConnection("object-storage", `http://minio:${PW}@minio.local:9000/uploads/app/`);
    expect(minio.metadata).toEqual({
      endpoint: "http://minio.local:9000",
      host: "minio.local",
      port: "9000",
      bucket: "uploads",
      prefix: "app",
      tls: "false",
      access_key_id: "minio",
    });
  });

  it("checks OpenSearch index names", () => {
    for (const index of ["Logs", "_logs", "-logs", "+logs", "lo%20gs", "lo*gs", "lo%3Fgs", "lo%22gs", "lo%2Cgs", "lo%23gs", "lo:gs", "lo%7Cgs"]) {
      expectRejected("opensearch", `https://u:${PW}@os.example.com/${index}`);
    }
    expect(importedProvider.describeConnection("opensearch", "http://os:9201/logs-2024.01").metadata).toEqual({
      host: "os",
      port: "9201",
      index: "logs-2024.01",
      tls: "false",
    });
  });
});
