import { createSpool, ProviderError, type RestoreRequest, type Spool } from "@berth/provider-sdk";
import { openConnection } from "./connection.js";
import { refuseNewerCluster } from "./content.js";
import { readDump, READABLE_OPENSEARCH_FORMATS, type DocRecord, type IndexRecord } from "./dump-format.js";
import { errorDetail, type OpenSearchHttp } from "./http.js";
import { deleteIndices, indicesUnder, refreshIndices } from "./indices.js";

const BULK_DOCUMENTS = 1000;
const BULK_BYTES = 5 * 1024 * 1024;

/**
 * In-place restore. The artifact is first spooled to a private, encrypted temp
 * file and checked end to end, so a corrupt or truncated one changes nothing. Then every index under the prefix is deleted (so indices created
 * after the backup are gone), each backed-up index is created again with its
 * settings, mappings and aliases, its documents are bulk-indexed, and all are
 * refreshed. An artifact taken under another prefix is mapped onto this one.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (!READABLE_OPENSEARCH_FORMATS.includes(request.format)) {
    throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${READABLE_OPENSEARCH_FORMATS.join(" or ")}`);
  }
  const { http, prefix } = openConnection(request.connectionUrl, request.metadata, request.signal);
  if (request.manifest) await refuseNewerCluster(http, request.manifest);
  const spool = await createSpool("opensearch-restore");
  try {
    await spool.fill(request.source, request.signal);
    request.progress?.("checking the artifact");
    for await (const { record } of readDump(spool.reader(), request.format)) {
      if (request.signal.aborted) throw new ProviderError("internal", "the restore was cancelled");
      void record;
    }
    request.progress?.("deleting the current indices");
    await deleteIndices(http, (await indicesUnder(http, prefix)).keys());
    await applyDump(http, spool, prefix, request);
  } finally {
    await spool.dispose();
  }
}

async function applyDump(http: OpenSearchHttp, spool: Spool, prefix: string, request: RestoreRequest): Promise<void> {
  let fromPrefix = prefix;
  const rename = (name: string) => (name.startsWith(fromPrefix) ? prefix + name.slice(fromPrefix.length) : name);
  const created: string[] = [];
  const bulk = new BulkBatch(http);
  for await (const { record } of readDump(spool.reader(), request.format)) {
    if (request.signal.aborted) throw new ProviderError("internal", "the restore was cancelled");
    switch (record.type) {
      case "header":
        fromPrefix = record.prefix;
        break;
      case "index":
        await bulk.flush();
        request.progress?.(`restoring index ${rename(record.name)}`);
        await createIndex(http, rename(record.name), record, rename);
        created.push(rename(record.name));
        break;
      case "doc":
        await bulk.add(rename(record.index), record);
        break;
      case "end":
        await bulk.flush();
        request.progress?.("refreshing restored indices");
        await refreshIndices(http, created);
        break;
    }
  }
}

async function createIndex(http: OpenSearchHttp, name: string, record: IndexRecord, rename: (name: string) => string): Promise<void> {
  const aliases = Object.fromEntries(Object.entries(record.aliases).map(([alias, definition]) => [rename(alias), definition]));
  const reply = await http.call("PUT", `/${encodeURIComponent(name)}`, { json: { settings: record.settings, mappings: record.mappings, aliases } });
  if (reply.status >= 200 && reply.status < 300) return;
  if (/resource_already_exists_exception/.test(errorDetail(reply.body))) {
    throw new ProviderError("internal", `index ${name} was created again while restoring (is an application still writing to it?); run the restore again once writes stop`);
  }
  throw http.failure(`creating index ${name}`, reply);
}

/** Collects `_bulk` index actions and sends them in batches of ~1000 documents / 5 MiB. */
class BulkBatch {
  private lines: string[] = [];
  private documents = 0;
  private bytes = 0;

  constructor(private readonly http: OpenSearchHttp) {}

  async add(index: string, doc: DocRecord): Promise<void> {
    const action = JSON.stringify({ index: { _index: index, _id: doc.id, ...(doc.routing === undefined ? {} : { routing: doc.routing }) } });
    const source = JSON.stringify(doc.source);
    this.lines.push(action, source);
    this.documents++;
    this.bytes += action.length + source.length + 2;
    if (this.documents >= BULK_DOCUMENTS || this.bytes >= BULK_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.documents === 0) return;
    const body = `${this.lines.join("\n")}\n`;
    const sent = this.documents;
    this.lines = [];
    this.documents = 0;
    this.bytes = 0;
    const reply = (await this.http.expect("POST", "/_bulk", { ndjson: body })) as BulkReply;
    const items = reply?.items ?? [];
    if (items.length !== sent) throw new ProviderError("internal", `OpenSearch answered ${items.length} bulk items for ${sent} documents`);
    if (!reply.errors) return;
    const failed = items.map((item) => item.index).find((result) => result?.error);
    throw new ProviderError(
      "internal",
      `restoring document ${JSON.stringify(failed?._id)} into ${failed?._index} failed: ${failed?.status} ${this.http.redact(errorDetail({ error: failed?.error }))}`,
    );
  }
}

interface BulkReply {
  errors?: boolean;
  items?: Array<{ index?: { _index?: string; _id?: string; status?: number; error?: unknown } }>;
}
