import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeSecurity, securityException, type FakeReply } from "./fake-opensearch-security.js";

/**
 * A PROTOCOL-LEVEL FAKE of OpenSearch, not OpenSearch: no real server can run on
 * this machine (no Docker; the JVM distribution download is blocked), so the
 * provider's tests run against this in-process node:http server instead.
 *
 * It implements exactly the REST endpoints the provider and the conformance
 * sample call, with OpenSearch 2.x request/response shapes (OpenSearch 2.19
 * REST docs; opensearch-project/security 2.x sources for the plugin half):
 *   GET /                                   GET|PUT|DELETE /<index>
 *   PUT|POST /<index>/_doc/<id>, GET …      POST|GET /<expr>/_search (?scroll; size, sort _doc, match_all, track_total_hits)
 *   POST|DELETE /_search/scroll             POST /_bulk  (index and create only)
 *   POST /<expr>/_refresh
 *   with `security: true` also Basic auth (401), permission checks (403
 *   security_exception), GET /_plugins/_security/api/account and
 *   GET|PUT|DELETE /_plugins/_security/api/{internalusers,roles,rolesmapping}/<name>.
 * Anything else answers 400 "no handler found", as OpenSearch does for unknown
 * routes; a request feature it does not model answers 400 with the error type
 * `fake_opensearch_unsupported`, so a test never passes on behaviour the fake
 * made up. Not modelled: shards, replicas, refresh latency (search sees
 * writes at once), closed/hidden index states, queries other than match_all,
 * permission checks on alias names.
 */
export interface FakeOpenSearchOptions {
  /** Serve the security plugin: Basic auth, internal users, roles, role mappings, permission checks. */
  security: boolean;
  /** `action.destructive_requires_name`; default true, so a wildcard DELETE is refused. */
  destructiveRequiresName?: boolean;
}

export interface FakeOpenSearch {
  /** `http://admin:<random>@127.0.0.1:<port>/` */
  adminUrl: string;
  /** Indices currently held, for assertions. */
  indexNames(): string[];
  /** Every request served, for assertions ("PUT", "/_plugins/_security/api/roles/x", body text). */
  requests: Array<{ method: string; path: string; body: string }>;
  close(): Promise<void>;
}

interface FakeDoc {
  source: Record<string, unknown>;
  routing?: string;
  version: number;
  seqNo: number;
}
interface FakeIndex {
  uuid: string;
  settings: Record<string, unknown>;
  mappings: Record<string, unknown>;
  aliases: Record<string, unknown>;
  docs: Map<string, FakeDoc>;
  seqNo: number;
}
interface Hit {
  index: string;
  id: string;
  doc: FakeDoc;
}
interface Request {
  method: string;
  path: string[];
  query: URLSearchParams;
  raw: string;
  user?: string;
  uri: string;
}

const NUMERIC_TYPES = new Set(["long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"]);
/** Settings OpenSearch computes itself and refuses from a create request. */
const PRIVATE_SETTINGS = ["index.uuid", "index.version.created", "index.provided_name"];

function osError(status: number, type: string, reason: string, extra: Record<string, unknown> = {}): FakeReply {
  const cause = { type, reason, ...extra };
  return { status, body: { error: { root_cause: [cause], ...cause }, status } };
}
const indexNotFound = (index: string) =>
  osError(404, "index_not_found_exception", `no such index [${index}]`, { index, "resource.type": "index_or_alias", "resource.id": index, index_uuid: "_na_" });
const unsupported = (what: string) => osError(400, "fake_opensearch_unsupported", `the protocol-level fake does not implement ${what}`);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const hasWildcard = (expression: string) => expression.includes("*") || expression === "_all";
const wildcardMatch = (pattern: string, name: string) => pattern === "_all" || new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name);

function indexNameProblem(name: string): string | undefined {
  if (name !== name.toLowerCase()) return "must be lowercase";
  if (/^[_\-+]/.test(name)) return "must not start with '_', '-', or '+'";
  if (/[\\/*?"<>| ,#:]/.test(name)) return 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]';
  return undefined;
}

/** `{"index":{"number_of_shards":1}}` and `{"index.number_of_shards":"1"}` alike become `{"index.number_of_shards":"1"}`. */
function flattenSettings(settings: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (!isObject(settings)) return out;
  for (const [key, value] of Object.entries(settings)) {
    const path = prefix ? `${prefix}.${key}` : key.startsWith("index.") || key === "index" ? key : `index.${key}`;
    if (isObject(value)) flattenSettings(value, path, out);
    else out[path] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

function nestSettings(flat: Record<string, unknown>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return root;
}

/** Dynamic mapping and the type check a real mapper does, on a copy of `properties` (committed only if the document passes). */
function mapDocument(properties: Record<string, unknown>, source: Record<string, unknown>, dynamic: unknown, id: string, path = ""): FakeReply | undefined {
  for (const [key, value] of Object.entries(source)) {
    if (value === null) continue;
    const field = properties[key] as Record<string, unknown> | undefined;
    const fullPath = path ? `${path}.${key}` : key;
    const sample = Array.isArray(value) ? value[0] : value;
    if (!field) {
      if (dynamic === "strict") return osError(400, "strict_dynamic_mapping_exception", `mapping set to strict, dynamic introduction of [${key}] within [_doc] is not allowed`);
      if (dynamic === false || dynamic === "false" || sample === undefined) continue;
      if (isObject(sample)) {
        const nested: Record<string, unknown> = {};
        properties[key] = { properties: nested };
        const failure = mapDocument(nested, sample, dynamic, id, fullPath);
        if (failure) return failure;
      } else if (typeof sample === "string") properties[key] = { type: "text", fields: { keyword: { type: "keyword", ignore_above: 256 } } };
      else if (typeof sample === "number") properties[key] = { type: Number.isInteger(sample) ? "long" : "float" };
      else if (typeof sample === "boolean") properties[key] = { type: "boolean" };
      continue;
    }
    if (NUMERIC_TYPES.has(String(field.type)) && !(typeof sample === "number" || (typeof sample === "string" && sample.trim() !== "" && !Number.isNaN(Number(sample))))) {
      return osError(400, "mapper_parsing_exception", `failed to parse field [${fullPath}] of type [${String(field.type)}] in document with id '${id}'. Preview of field's value: '${String(sample)}'`);
    }
    if (isObject(field.properties) && isObject(sample)) {
      const failure = mapDocument(field.properties, sample, field.dynamic ?? dynamic, id, fullPath);
      if (failure) return failure;
    }
  }
  return undefined;
}

class FakeCluster {
  readonly indices = new Map<string, FakeIndex>();
  private readonly scrolls = new Map<string, { hits: Hit[]; size: number }>();
  private readonly clusterUuid = randomUUID();

  constructor(
    private readonly security: FakeSecurity | undefined,
    private readonly destructiveRequiresName: boolean,
  ) {}

  async handle(request: Request): Promise<FakeReply> {
    const { method, path } = request;
    const [first, second, third, fourth, fifth] = path;
    if (path.length === 0 && method === "GET") return this.cluster(request, "cluster:monitor/main") ?? this.root();
    if (first === "_plugins" && this.security && second === "_security" && third === "api") {
      if (fourth === "account" && path.length === 4 && method === "GET") return this.security.account(request.user!);
      if (fourth && fifth && path.length === 5) return this.security.restApi(request.user!, method, fourth, fifth, this.json(request));
    }
    if (first === "_search" && second === "scroll" && path.length === 2) {
      if (method === "POST") return this.cluster(request, "indices:data/read/scroll") ?? this.scrollNext(request);
      if (method === "DELETE") return this.cluster(request, "indices:data/read/scroll/clear") ?? this.clearScroll(request);
    }
    if (first === "_bulk" && path.length === 1 && (method === "POST" || method === "PUT")) return this.cluster(request, "indices:data/write/bulk") ?? this.bulk(request);
    if (first && !first.startsWith("_")) {
      if (path.length === 1 && method === "GET") return this.getIndices(request, first);
      if (path.length === 1 && method === "PUT") return this.createIndex(request, first, this.json(request));
      if (path.length === 1 && method === "DELETE") return this.deleteIndices(request, first);
      if (second === "_doc" && third && path.length === 3 && (method === "PUT" || method === "POST")) return this.indexDoc(request, first, third);
      if (second === "_doc" && third && path.length === 3 && method === "GET") return this.getDoc(request, first, third);
      if (second === "_search" && path.length === 2 && (method === "POST" || method === "GET")) return this.search(request, first);
      if (second === "_refresh" && path.length === 2 && method === "POST") return this.refresh(request, first);
    }
    return { status: 400, body: { error: `no handler found for uri [${request.uri}] and method [${method}]` } };
  }

  private json(request: Request): unknown {
    return request.raw.trim() === "" ? undefined : JSON.parse(request.raw);
  }

  private cluster(request: Request, action: string): FakeReply | undefined {
    if (!this.security || this.security.allowsCluster(request.user!, action)) return undefined;
    return securityException(action, request.user!);
  }

  private allowed(request: Request, action: string, names: string[]): FakeReply | undefined {
    if (!this.security) return undefined;
    return names.every((name) => this.security!.allowsIndex(request.user!, action, name)) ? undefined : securityException(action, request.user!);
  }

  private root(): FakeReply {
    return {
      status: 200,
      body: {
        name: "fake-node-1",
        cluster_name: "fake-opensearch",
        cluster_uuid: this.clusterUuid,
        version: {
          distribution: "opensearch",
          number: "2.19.1",
          build_type: "fake",
          build_hash: "fake",
          build_date: "2025-02-27T00:00:00.000000Z",
          build_snapshot: false,
          lucene_version: "9.12.1",
          minimum_wire_compatibility_version: "7.10.0",
          minimum_index_compatibility_version: "7.0.0",
        },
        tagline: "The OpenSearch Project: https://opensearch.org/",
      },
    };
  }

  /** Concrete index names of a comma-separated expression with `*` wildcards, `_all` and alias names. */
  private resolve(expression: string, ignoreUnavailable: boolean): string[] | FakeReply {
    const names = new Set<string>();
    for (const part of expression.split(",")) {
      const matches = [...this.indices].filter(([name, index]) =>
        hasWildcard(part) ? wildcardMatch(part, name) || Object.keys(index.aliases).some((a) => wildcardMatch(part, a)) : name === part || part in index.aliases,
      );
      if (matches.length === 0 && !hasWildcard(part) && !ignoreUnavailable) return indexNotFound(part);
      for (const [name] of matches) names.add(name);
    }
    return [...names].sort();
  }

  private getIndices(request: Request, expression: string): FakeReply {
    const names = this.resolve(expression, request.query.get("ignore_unavailable") === "true");
    if (!Array.isArray(names)) return names;
    const denied = this.allowed(request, "indices:admin/get", names);
    if (denied) return denied;
    const body: Record<string, unknown> = {};
    for (const name of names) {
      const index = this.indices.get(name)!;
      body[name] = { aliases: index.aliases, mappings: index.mappings, settings: nestSettings(index.settings) };
    }
    return { status: 200, body };
  }

  private createIndex(request: Request, name: string, body: unknown): FakeReply {
    const denied = this.allowed(request, "indices:admin/create", [name]);
    if (denied) return denied;
    const problem = indexNameProblem(name);
    if (problem) return osError(400, "invalid_index_name_exception", `Invalid index name [${name}], ${problem}`, { index: name, index_uuid: "_na_" });
    const existing = this.indices.get(name);
    if (existing) return osError(400, "resource_already_exists_exception", `index [${name}/${existing.uuid}] already exists`, { index: name, index_uuid: existing.uuid });
    const content = isObject(body) ? body : {};
    const unknown = Object.keys(content).filter((key) => !["settings", "mappings", "aliases"].includes(key));
    if (unknown.length > 0) return unsupported(`create-index body keys ${unknown.join(", ")}`);
    const given = flattenSettings(content.settings);
    const refused = PRIVATE_SETTINGS.find((key) => key in given);
    if (refused) return osError(400, "illegal_argument_exception", `private index setting [${refused}] can not be set explicitly`);
    const uuid = randomBytes(16).toString("base64url").slice(0, 22);
    this.indices.set(name, {
      uuid,
      settings: {
        "index.number_of_shards": "1",
        "index.number_of_replicas": "1",
        "index.replication.type": "DOCUMENT",
        ...given,
        "index.uuid": uuid,
        "index.creation_date": String(Date.now()),
        "index.provided_name": name,
        "index.version.created": "136387927",
      },
      mappings: structuredClone(isObject(content.mappings) ? content.mappings : {}),
      aliases: structuredClone(isObject(content.aliases) ? content.aliases : {}),
      docs: new Map(),
      seqNo: 0,
    });
    return { status: 200, body: { acknowledged: true, shards_acknowledged: true, index: name } };
  }

  private deleteIndices(request: Request, expression: string): FakeReply {
    for (const part of expression.split(",")) {
      if (this.destructiveRequiresName && hasWildcard(part)) return osError(400, "illegal_argument_exception", "Wildcard expressions or all indices are not allowed");
      if (!this.indices.has(part) && [...this.indices.values()].some((index) => part in index.aliases)) {
        return osError(400, "illegal_argument_exception", `The provided expression [${part}] matches an alias, specify the corresponding concrete indices instead.`);
      }
    }
    const names = this.resolve(expression, request.query.get("ignore_unavailable") === "true");
    if (!Array.isArray(names)) return names;
    const denied = this.allowed(request, "indices:admin/delete", names);
    if (denied) return denied;
    for (const name of names) this.indices.delete(name);
    return { status: 200, body: { acknowledged: true } };
  }

  /** Indexes one document, creating the index on first write as OpenSearch's auto-create does. */
  private write(request: Request, indexName: string, id: string, source: unknown, routing: string | undefined, create: boolean): FakeReply {
    if (!isObject(source)) return osError(400, "mapper_parsing_exception", "failed to parse, document is empty");
    if (!this.indices.has(indexName)) {
      const created = this.createIndex(request, indexName, {});
      if (created.status !== 200) return created;
    }
    const index = this.indices.get(indexName)!;
    const previous = index.docs.get(id);
    if (create && previous) {
      return osError(409, "version_conflict_engine_exception", `[${id}]: version conflict, document already exists (current version [${previous.version}])`, { index: indexName, shard: "0" });
    }
    const mappings = structuredClone(index.mappings);
    const properties = ((mappings.properties as Record<string, unknown> | undefined) ??= {});
    const failure = mapDocument(properties, source, mappings.dynamic, id);
    if (failure) return failure;
    if (Object.keys(properties).length === 0) delete mappings.properties;
    index.mappings = mappings;
    const doc: FakeDoc = { source: structuredClone(source), routing, version: (previous?.version ?? 0) + 1, seqNo: index.seqNo++ };
    index.docs.set(id, doc);
    return {
      status: previous ? 200 : 201,
      body: { _index: indexName, _id: id, _version: doc.version, result: previous ? "updated" : "created", _shards: { total: 2, successful: 1, failed: 0 }, _seq_no: doc.seqNo, _primary_term: 1 },
    };
  }

  private indexDoc(request: Request, indexName: string, id: string): FakeReply {
    const denied = this.allowed(request, "indices:data/write/index", [indexName]);
    if (denied) return denied;
    const reply = this.write(request, indexName, id, this.json(request), request.query.get("routing") ?? undefined, request.query.get("op_type") === "create");
    if (reply.status < 300 && request.query.get("refresh") === "true") (reply.body as Record<string, unknown>).forced_refresh = true;
    return reply;
  }

  private getDoc(request: Request, indexName: string, id: string): FakeReply {
    const denied = this.allowed(request, "indices:data/read/get", [indexName]);
    if (denied) return denied;
    const index = this.indices.get(indexName);
    if (!index) return indexNotFound(indexName);
    const doc = index.docs.get(id);
    if (!doc) return { status: 404, body: { _index: indexName, _id: id, found: false } };
    return {
      status: 200,
      body: { _index: indexName, _id: id, _version: doc.version, _seq_no: doc.seqNo, _primary_term: 1, ...(doc.routing ? { _routing: doc.routing } : {}), found: true, _source: doc.source },
    };
  }

  private search(request: Request, expression: string): FakeReply {
    const names = this.resolve(expression, false);
    if (!Array.isArray(names)) return names;
    const denied = this.allowed(request, "indices:data/read/search", names);
    if (denied) return denied;
    const body = (this.json(request) ?? {}) as Record<string, unknown>;
    const extra = Object.keys(body).filter((key) => !["size", "sort", "query", "track_total_hits"].includes(key));
    if (body.track_total_hits !== undefined && body.track_total_hits !== true) return unsupported("track_total_hits other than true");
    if (extra.length > 0) return unsupported(`search body keys ${extra.join(", ")}`);
    if (body.query !== undefined && JSON.stringify(body.query) !== JSON.stringify({ match_all: {} })) return unsupported("queries other than match_all");
    if (body.sort !== undefined && JSON.stringify(body.sort) !== JSON.stringify(["_doc"])) return unsupported('sorts other than ["_doc"]');
    const size = typeof body.size === "number" ? body.size : 10;
    // A scroll is a point-in-time view: the hits are fixed when it starts.
    const hits: Hit[] = names.flatMap((name) => [...this.indices.get(name)!.docs].map(([id, doc]) => ({ index: name, id, doc: structuredClone(doc) })));
    if (!request.query.has("scroll")) return this.page(hits.slice(0, size), hits.length);
    const scrollId = randomBytes(24).toString("base64url");
    this.scrolls.set(scrollId, { hits: hits.slice(size), size });
    return this.page(hits.slice(0, size), hits.length, scrollId);
  }

  private page(hits: Hit[], total: number, scrollId?: string): FakeReply {
    return {
      status: 200,
      body: {
        ...(scrollId ? { _scroll_id: scrollId } : {}),
        took: 1,
        timed_out: false,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
        hits: {
          total: { value: total, relation: "eq" },
          max_score: null,
          hits: hits.map((hit, i) => ({ _index: hit.index, _id: hit.id, _score: null, ...(hit.doc.routing ? { _routing: hit.doc.routing } : {}), _source: hit.doc.source, sort: [i] })),
        },
      },
    };
  }

  private scrollNext(request: Request): FakeReply {
    const body = (this.json(request) ?? {}) as Record<string, unknown>;
    const id = String(body.scroll_id ?? request.query.get("scroll_id") ?? "");
    const scroll = this.scrolls.get(id);
    if (!scroll) {
      const reason = `No search context found for id [${id.slice(0, 12)}]`;
      return { status: 404, body: { error: { root_cause: [{ type: "search_context_missing_exception", reason }], type: "search_phase_execution_exception", reason: "all shards failed", phase: "query", grouped: true }, status: 404 } };
    }
    const hits = scroll.hits.splice(0, scroll.size);
    return this.page(hits, hits.length + scroll.hits.length, id);
  }

  private clearScroll(request: Request): FakeReply {
    const body = (this.json(request) ?? {}) as Record<string, unknown>;
    const ids = Array.isArray(body.scroll_id) ? body.scroll_id.map(String) : [String(body.scroll_id ?? "")];
    const freed = ids.filter((id) => this.scrolls.delete(id)).length;
    return { status: freed > 0 ? 200 : 404, body: { succeeded: true, num_freed: freed } };
  }

  private bulk(request: Request): FakeReply {
    if (!request.raw.endsWith("\n")) return osError(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
    const lines = request.raw.split("\n").filter((line) => line.trim() !== "");
    const operations: Array<{ op: string; meta: Record<string, unknown>; source: unknown }> = [];
    for (let i = 0; i < lines.length; i += 2) {
      const action = JSON.parse(lines[i]) as Record<string, Record<string, unknown>>;
      const [op] = Object.keys(action);
      if (op !== "index" && op !== "create") return unsupported(`the bulk action ${op}`);
      if (typeof action[op]._index !== "string") return osError(400, "action_request_validation_exception", "Validation Failed: 1: index is missing;");
      if (i + 1 >= lines.length) return osError(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
      operations.push({ op, meta: action[op], source: JSON.parse(lines[i + 1]) });
    }
    let errors = false;
    const items = operations.map(({ op, meta, source }) => {
      const index = String(meta._index);
      const id = typeof meta._id === "string" ? meta._id : randomBytes(15).toString("base64url");
      const reply =
        this.allowed(request, "indices:data/write/bulk[s]", [index]) ?? this.write(request, index, id, source, typeof meta.routing === "string" ? meta.routing : undefined, op === "create");
      if (reply.status >= 300) {
        errors = true;
        const error = (reply.body as { error: { root_cause: unknown } }).error;
        const { root_cause: _ignored, ...cause } = error as Record<string, unknown>;
        return { [op]: { _index: index, _id: id, status: reply.status, error: cause } };
      }
      return { [op]: { ...(reply.body as object), status: reply.status } };
    });
    return { status: 200, body: { took: 1, errors, items } };
  }

  private refresh(request: Request, expression: string): FakeReply {
    const names = this.resolve(expression, request.query.get("ignore_unavailable") === "true");
    if (!Array.isArray(names)) return names;
    const denied = this.allowed(request, "indices:admin/refresh", names);
    if (denied) return denied;
    return { status: 200, body: { _shards: { total: names.length * 2, successful: names.length, failed: 0 } } };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the fake on a free loopback port. */
export async function startFakeOpenSearch(options: FakeOpenSearchOptions): Promise<FakeOpenSearch> {
  const adminPassword = `Adm1n-${randomBytes(9).toString("hex")}`;
  const security = options.security ? await FakeSecurity.create("admin", adminPassword) : undefined;
  const cluster = new FakeCluster(security, options.destructiveRequiresName ?? true);
  const requests: FakeOpenSearch["requests"] = [];
  const server = createServer((req, res) => {
    (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const method = req.method ?? "GET";
      const raw = await readBody(req);
      requests.push({ method, path: url.pathname, body: raw });
      let reply: FakeReply;
      const contentType = String(req.headers["content-type"] ?? "");
      const user = security ? await security.authenticate(req.headers.authorization) : undefined;
      if (security && !user) reply = FakeSecurity.unauthorized();
      else if (raw !== "" && !/^application\/(json|x-ndjson)\b/.test(contentType)) reply = { status: 406, body: { error: `Content-Type header [${contentType}] is not supported`, status: 406 } };
      else {
        const path = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
        try {
          reply = await cluster.handle({ method, path, query: url.searchParams, raw, user, uri: req.url ?? "/" });
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          reply = osError(400, "parse_exception", `request body is not valid JSON: ${error.message}`);
        }
      }
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { "content-type": typeof reply.body === "string" ? "text/plain; charset=UTF-8" : "application/json; charset=UTF-8", ...reply.headers });
      res.end(text);
    })().catch((error: Error) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`fake-opensearch bug: ${error.stack}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    adminUrl: `http://admin:${adminPassword}@127.0.0.1:${port}/`,
    indexNames: () => [...cluster.indices.keys()].sort(),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
