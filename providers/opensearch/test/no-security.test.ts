import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealizationTarget } from "@berth/provider-sdk";
import { opensearchProvider, OPENSEARCH_FORMAT } from "../src/index.js";
import { startFakeOpenSearch, type FakeOpenSearch } from "./fake-opensearch.js";
import { openSearchSample } from "./sample.js";

const signal = new AbortController().signal;

async function backupOf(connectionUrl: string, metadata: Record<string, string>): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await opensearchProvider.backup!({ kind: "opensearch", connectionUrl, metadata, sink, signal });
  return Buffer.concat(chunks);
}

describe("without the security plugin (protocol-level fake of OpenSearch 2.x, not a real server): no isolation", () => {
  let fake: FakeOpenSearch;
  let target: RealizationTarget;
  beforeAll(async () => {
    fake = await startFakeOpenSearch({ security: false });
    target = { name: "plain", kind: "opensearch", adminUrl: fake.adminUrl };
  });
  afterAll(() => fake.close());

  it("realize detects the missing plugin, creates nothing, and delivers the target's credentials with isolation none", async () => {
    const id = `dep_plain${randomBytes(4).toString("hex")}`;
    const before = fake.requests.length;
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target, signal });
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /_plugins/_security/api/account"]);
    expect(result.metadata).toMatchObject({ isolation: "none", index: `berth_${id}_`, user: "admin" });
    expect(result.connectionUrl).toBe(`${fake.adminUrl}berth_${id}_`);
  });

  it("another dependency's connection can read its data: the prefix is a naming convention only", async () => {
    const a = await opensearchProvider.realize!({ dependencyId: `dep_plain${randomBytes(4).toString("hex")}`, name: "a", kind: "opensearch", target, signal });
    const b = await opensearchProvider.realize!({ dependencyId: `dep_plain${randomBytes(4).toString("hex")}`, name: "b", kind: "opensearch", target, signal });
    await openSearchSample.write(a.connectionUrl, a.metadata, "visible");
    expect(await openSearchSample.read(b.connectionUrl, a.metadata)).toBe("visible");
  });

  it("backup, in-place restore and release still work on the prefix", async () => {
    const id = `dep_plain${randomBytes(4).toString("hex")}`;
    const result = await opensearchProvider.realize!({ dependencyId: id, name: "x", kind: "opensearch", target, signal });
    await openSearchSample.write(result.connectionUrl, result.metadata, "first");
    const artifact = await backupOf(result.connectionUrl, result.metadata);
    await openSearchSample.write(result.connectionUrl, result.metadata, "changed");
    await opensearchProvider.restore!({ kind: "opensearch", connectionUrl: result.connectionUrl, metadata: result.metadata, source: Readable.from([artifact]), format: OPENSEARCH_FORMAT, signal });
    expect(await openSearchSample.read(result.connectionUrl, result.metadata)).toBe("first");
    await opensearchProvider.release!({ dependencyId: id, kind: "opensearch", target, metadata: result.metadata, signal });
    expect(await openSearchSample.read(result.connectionUrl, result.metadata)).toBeUndefined();
    expect(fake.indexNames().some((name) => name.startsWith(`berth_${id}_`))).toBe(false);
  });
});
