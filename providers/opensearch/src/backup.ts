import type { Writable } from "node:stream";
import { contentStats, ProviderError, type BackupRequest, type BackupResult, type ContentEntry } from "@berth/provider-sdk";
import { clusterIdentity, contentName } from "./content.js";
import { openConnection, writeTo } from "./connection.js";
import { DumpWriter, OPENSEARCH_FORMAT } from "./dump-format.js";
import type { OpenSearchHttp } from "./http.js";
import { indicesUnder, type IndexDefinition } from "./indices.js";

const PAGE_SIZE = 1000;
const SCROLL_KEEP_ALIVE = "1m";

/**
 * Index settings OpenSearch sets itself or derives from the cluster; creating
 * an index with them fails (uuid, version…) or pins what the cluster decides
 * (replication type, remote store). Everything else under `index` is kept.
 */
const NOT_RECREATABLE = new Set(["uuid", "creation_date", "version", "provided_name", "resize", "verified_before_close", "history", "blocks", "replication", "remote_store"]);

export function recreatableSettings(settings: IndexDefinition["settings"] | undefined): Record<string, unknown> {
  const index = Object.fromEntries(Object.entries(settings?.index ?? {}).filter(([key]) => !NOT_RECREATABLE.has(key)));
  return { index };
}

interface SearchReply {
  _scroll_id?: string;
  timed_out?: boolean;
  _shards?: { failed?: number };
  hits?: { hits?: Array<{ _id: string; _routing?: string; _source?: Record<string, unknown> }> };
}

/**
 * Native logical backup of every index under the dependency's prefix: its
 * re-creatable settings, mappings and aliases, then all its documents through
 * a scroll sorted by `_doc`, streamed into the sink as opensearch-records-v2.
 * The manifest counts each index's documents as the scroll exports them; a
 * scroll is a point-in-time view of its index, so the count is exactly what the
 * artifact holds of it (indices are exported one after another, not at one instant).
 */
export async function backup(request: BackupRequest): Promise<BackupResult> {
  const { http, prefix } = openConnection(request.connectionUrl, request.metadata, request.signal);
  const engine = await clusterIdentity(http);
  const entries: ContentEntry[] = [];
  request.progress?.("listing indices");
  const indices = await indicesUnder(http, prefix);
  const dump = new DumpWriter();
  await writeTo(request.sink, dump.start(prefix));
  let documents = 0;
  for (const name of [...indices.keys()].sort()) {
    const definition = indices.get(name)!;
    if ((definition.mappings?._source as { enabled?: unknown } | undefined)?.enabled === false) {
      throw new ProviderError("unsupported", `index ${name} has _source disabled, so its documents cannot be exported`);
    }
    request.progress?.(`exporting index ${name}`);
    await writeTo(
      request.sink,
      dump.record({ type: "index", name, settings: recreatableSettings(definition.settings), mappings: definition.mappings ?? {}, aliases: definition.aliases ?? {} }),
    );
    const exported = await exportDocuments(http, name, request.sink, dump, request.signal);
    entries.push({ scope: "index", name: contentName(name, prefix), count: exported });
    documents += exported;
  }
  await writeTo(request.sink, dump.end(indices.size, documents));
  request.sink.end();
  const tool = { name: "opensearch scroll export", version: engine.version };
  return { format: OPENSEARCH_FORMAT, manifest: { engine, tool, formatVersion: "2", content: contentStats(entries) } };
}

async function exportDocuments(http: OpenSearchHttp, index: string, sink: Writable, dump: DumpWriter, signal: AbortSignal): Promise<number> {
  let reply = (await http.expect("POST", `/${encodeURIComponent(index)}/_search`, {
    query: { scroll: SCROLL_KEEP_ALIVE },
    json: { size: PAGE_SIZE, sort: ["_doc"], query: { match_all: {} } },
  })) as SearchReply;
  let scrollId: string | undefined;
  let count = 0;
  try {
    for (;;) {
      scrollId = reply._scroll_id ?? scrollId;
      // A failed shard would silently leave documents out of the artifact.
      if (reply.timed_out || (reply._shards?.failed ?? 0) > 0) throw new ProviderError("internal", `searching index ${index} timed out or failed on some shards`);
      const hits = reply.hits?.hits ?? [];
      if (hits.length === 0) break;
      for (const hit of hits) {
        if (!hit._source) throw new ProviderError("unsupported", `a document of index ${index} has no _source, so it cannot be exported`);
        await writeTo(sink, dump.record({ type: "doc", index, id: hit._id, ...(hit._routing === undefined ? {} : { routing: hit._routing }), source: hit._source }));
      }
      count += hits.length;
      if (signal.aborted) throw new ProviderError("internal", "the backup was cancelled");
      if (!scrollId) throw new ProviderError("internal", `OpenSearch returned no scroll id for index ${index}`);
      reply = (await http.expect("POST", "/_search/scroll", { json: { scroll: SCROLL_KEEP_ALIVE, scroll_id: scrollId } })) as SearchReply;
    }
  } finally {
    // Frees the search context now rather than after the keep-alive; a failure here loses nothing.
    if (scrollId) await http.call("DELETE", "/_search/scroll", { json: { scroll_id: [scrollId] } }).catch(() => undefined);
  }
  return count;
}
