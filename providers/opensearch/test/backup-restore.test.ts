import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareContent, isProviderError, secretPartsOfUrl, type RealizationTarget, type RealizeResult } from "@berth/provider-sdk";
import { opensearchProvider, OPENSEARCH_FORMAT } from "../src/index.js";
import { DumpWriter, headerRecord, OPENSEARCH_FORMAT_V1 } from "../src/dump-format.js";
import { recordsOf, toV1Artifact } from "./v1-artifact.js";
import { startFakeOpenSearch, type FakeOpenSearch } from "./fake-opensearch.js";
import { request } from "./sample.js";

const signal = new AbortController().signal;
const DOCS = 2500;

async function backupOf(dep: RealizeResult, abort = signal): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk));
  await opensearchProvider.backup!({ kind: "opensearch", connectionUrl: dep.connectionUrl, metadata: dep.metadata, sink, signal: abort });
  return Buffer.concat(chunks);
}

const restoreInto = (dep: RealizeResult, artifact: Buffer | string) =>
  opensearchProvider.restore!({ kind: "opensearch", connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([Buffer.from(artifact)]), format: OPENSEARCH_FORMAT, signal });

async function json<T>(response: Promise<Response>): Promise<T> {
  const reply = await response;
  if (!reply.ok) throw new Error(`${reply.status} ${await reply.text()}`);
  return (await reply.json()) as T;
}

async function bulk(connectionUrl: string, lines: object[]): Promise<void> {
  const url = new URL(connectionUrl);
  const auth = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64");
  const body = lines.map((line) => JSON.stringify(line)).join("\n") + "\n";
  const reply = await json<{ errors: boolean }>(fetch(`${url.origin}/_bulk`, { method: "POST", headers: { authorization: `Basic ${auth}`, "content-type": "application/x-ndjson" }, body }));
  expect(reply.errors).toBe(false);
}

/** The get-index view of a prefix without what OpenSearch generates per index (uuid, creation date). */
async function definitions(dep: RealizeResult): Promise<Record<string, unknown>> {
  const indices = await json<Record<string, { settings: { index: Record<string, unknown> } }>>(request(dep.connectionUrl, `/${dep.metadata.index}*`));
  for (const definition of Object.values(indices)) {
    for (const generated of ["uuid", "creation_date", "provided_name"]) delete definition.settings.index[generated];
  }
  return indices;
}

describe("backup and restore (protocol-level fake of OpenSearch 2.x with the security plugin, not a real server)", () => {
  let fake: FakeOpenSearch;
  let target: RealizationTarget;
  let dep: RealizeResult;
  let p: string;
  const realize = async () => opensearchProvider.realize!({ dependencyId: `dep_bk${randomBytes(4).toString("hex")}`, name: "x", kind: "opensearch", target, signal });

  beforeAll(async () => {
    fake = await startFakeOpenSearch({ security: true });
    target = { name: "fake", kind: "opensearch", adminUrl: fake.adminUrl };
    dep = await realize();
    p = dep.metadata.index;
    await json(
      request(dep.connectionUrl, `/${p}articles`, {
        method: "PUT",
        json: {
          settings: { index: { number_of_shards: 2, analysis: { analyzer: { folded: { type: "custom", tokenizer: "standard", filter: ["lowercase", "asciifolding"] } } } } },
          mappings: { properties: { title: { type: "text", analyzer: "folded" }, views: { type: "long" }, tag: { type: "keyword" } } },
          aliases: { [`${p}current`]: { is_write_index: true }, [`${p}popular`]: { filter: { range: { views: { gte: 100 } } } } },
        },
      }),
    );
    await json(request(dep.connectionUrl, `/${p}empty`, { method: "PUT" }));
    const lines: object[] = [];
    for (let i = 0; i < DOCS; i++) {
      lines.push({ index: { _index: `${p}articles`, _id: `a${i}`, ...(i % 10 === 0 ? { routing: `r${i % 3}` } : {}) } }, { title: `Café ${i}`, views: i, tag: i % 2 ? "odd" : "even" });
    }
    await bulk(dep.connectionUrl, lines);
  });
  afterAll(() => fake.close());

  it("backs up every index under the prefix through a cleared scroll, without secrets", async () => {
    const before = fake.requests.length;
    const artifact = await backupOf(dep);
    const served = fake.requests.slice(before);
    expect(served.filter((r) => r.path === "/_search/scroll" && r.method === "POST").length).toBeGreaterThanOrEqual(DOCS / 1000);
    expect(served.filter((r) => r.path === "/_search/scroll" && r.method === "DELETE").length).toBe(2);
    const records = (await recordsOf(artifact)) as Array<{ type: string; name?: string; routing?: string }>;
    expect(records[0]).toEqual(headerRecord(p));
    expect(records.filter((r) => r.type === "index").map((r) => r.name)).toEqual([`${p}articles`, `${p}empty`]);
    expect(records.filter((r) => r.type === "doc")).toHaveLength(DOCS);
    expect(records.filter((r) => r.routing === "r0")).not.toHaveLength(0);
    expect(records.at(-1)).toEqual({ type: "end", indices: 2, documents: DOCS });
    for (const secret of [...secretPartsOfUrl(fake.adminUrl), ...secretPartsOfUrl(dep.connectionUrl)]) expect(artifact.includes(secret)).toBe(false);
  });

  it("restores in place: settings, mappings, aliases, documents and routing come back; later indices are gone", async () => {
    const artifact = await backupOf(dep);
    const original = await definitions(dep);
    await json(request(dep.connectionUrl, `/${p}empty`, { method: "DELETE" }));
    await json(request(dep.connectionUrl, `/${p}articles/_doc/a5?refresh=true`, { method: "PUT", json: { title: "changed", views: 0 } }));
    await json(request(dep.connectionUrl, `/${p}later/_doc/1?refresh=true`, { method: "PUT", json: { n: 1 } }));

    const before = fake.requests.length;
    await restoreInto(dep, artifact);
    expect(fake.requests.slice(before).filter((r) => r.path === "/_bulk")).toHaveLength(Math.ceil(DOCS / 1000));
    expect(await definitions(dep)).toEqual(original);
    const doc = await json<{ _source: unknown }>(request(dep.connectionUrl, `/${p}articles/_doc/a5`));
    expect(doc._source).toEqual({ title: "Café 5", views: 5, tag: "odd" });
    expect((await json<{ _routing?: string }>(request(dep.connectionUrl, `/${p}articles/_doc/a30`)))._routing).toBe("r0");
    const count = await json<{ hits: { total: { value: number } } }>(request(dep.connectionUrl, `/${p}articles/_search`, { method: "POST", json: { size: 0 } }));
    expect(count.hits.total.value).toBe(DOCS);
    expect(fake.indexNames().filter((name) => name.startsWith(p))).toEqual([`${p}articles`, `${p}empty`]);
  });

  it("restores into another dependency by mapping the prefix, indices and aliases alike", async () => {
    const other = await realize();
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const { manifest } = await opensearchProvider.backup!({ kind: "opensearch", connectionUrl: dep.connectionUrl, metadata: dep.metadata, sink, signal });
    await restoreInto(other, Buffer.concat(chunks));
    // Manifests name indices without the prefix: the copy's documents per index equal the backup's.
    expect(manifest!.content.entries.map((e) => e.name)).toEqual(["articles", "empty"]);
    const copied = await opensearchProvider.describeContent!({ kind: "opensearch", connectionUrl: other.connectionUrl, metadata: other.metadata, signal });
    expect(compareContent(manifest!.content, copied).filter((c) => !c.ok)).toEqual([]);
    const q = other.metadata.index;
    const restored = await json<Record<string, { aliases: Record<string, unknown> }>>(request(other.connectionUrl, `/${q}*`));
    expect(Object.keys(restored).sort()).toEqual([`${q}articles`, `${q}empty`]);
    expect(Object.keys(restored[`${q}articles`].aliases).sort()).toEqual([`${q}current`, `${q}popular`]);
  });

  it("refuses a truncated or foreign artifact with corrupt_artifact before touching anything", async () => {
    const artifact = await backupOf(dep);
    await json(request(dep.connectionUrl, `/${p}articles/_doc/a5?refresh=true`, { method: "PUT", json: { title: "after backup", views: 1 } }));
    // Everything before the end record's frame (its 5-byte frame head included).
    const withoutEnd = artifact.subarray(0, artifact.lastIndexOf(Buffer.from('{"type":"end"')) - 5);
    for (const bad of [withoutEnd, artifact.subarray(0, artifact.length - 7), "PGDMP garbage\n", "", Buffer.concat([artifact, artifact])]) {
      const before = fake.requests.length;
      const error = await restoreInto(dep, bad).catch((e: unknown) => e);
      expect(isProviderError(error) && error.code, String(error)).toBe("corrupt_artifact");
      expect(fake.requests.length, "a bad artifact reached the server").toBe(before);
    }
    expect((await json<{ _source: { title: string } }>(request(dep.connectionUrl, `/${p}articles/_doc/a5`)))._source.title).toBe("after backup");
  });

  it("still restores an artifact in the opensearch-ndjson-v1 format that backups before v2 wrote", async () => {
    const v1 = await toV1Artifact(await backupOf(dep));
    expect(JSON.parse(v1.toString().split("\n")[0])).toEqual(headerRecord(p));
    const original = await definitions(dep);
    await json(request(dep.connectionUrl, `/${p}articles/_doc/a5?refresh=true`, { method: "PUT", json: { title: "changed in v1 test", views: 0 } }));
    await json(request(dep.connectionUrl, `/${p}later/_doc/1?refresh=true`, { method: "PUT", json: { n: 1 } }));
    const restoreV1 = (bytes: Buffer) =>
      opensearchProvider.restore!({ kind: "opensearch", connectionUrl: dep.connectionUrl, metadata: dep.metadata, source: Readable.from([bytes]), format: OPENSEARCH_FORMAT_V1, signal });
    const truncated = await restoreV1(v1.subarray(0, v1.length - 7)).catch((e: unknown) => e);
    expect(isProviderError(truncated) && truncated.code).toBe("corrupt_artifact");
    await restoreV1(v1);
    expect(await definitions(dep)).toEqual(original);
    expect((await json<{ _source: { title: string } }>(request(dep.connectionUrl, `/${p}articles/_doc/a5`)))._source.title).toBe("after backup");
    expect(fake.indexNames().filter((name) => name.startsWith(p))).toEqual([`${p}articles`, `${p}empty`]);
  });

  it("reports a document OpenSearch rejects during restore", async () => {
    const other = await realize();
    const q = other.metadata.index;
    const dump = new DumpWriter();
    const artifact = Buffer.concat([
      dump.start(q),
      dump.record({ type: "index", name: `${q}typed`, settings: { index: {} }, mappings: { properties: { views: { type: "long" } } }, aliases: {} }),
      dump.record({ type: "doc", index: `${q}typed`, id: "1", source: { views: "lots" } }),
      dump.end(1, 1),
    ]);
    const error = await restoreInto(other, artifact).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("internal");
    expect((error as Error).message).toMatch(/document "1".*mapper_parsing_exception/);
  });

  it("refuses to back up an index whose _source is disabled, and honours a cancelled signal", async () => {
    const other = await realize();
    await json(request(other.connectionUrl, `/${other.metadata.index}nosource`, { method: "PUT", json: { mappings: { _source: { enabled: false } } } }));
    const error = await backupOf(other).catch((e: unknown) => e);
    expect(isProviderError(error) && error.code).toBe("unsupported");
    const cancelled = new AbortController();
    cancelled.abort();
    const aborted = await backupOf(dep, cancelled.signal).catch((e: unknown) => e);
    expect(isProviderError(aborted) && aborted.message).toMatch(/cancelled/);
  });
});
