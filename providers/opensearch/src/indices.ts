import { ProviderError } from "@berth/provider-sdk";
import type { OpenSearchHttp } from "./http.js";

/** One index as the get-index API (`GET /<index>`) describes it. */
export interface IndexDefinition {
  settings: { index?: Record<string, unknown> };
  mappings: Record<string, unknown>;
  aliases: Record<string, unknown>;
}

/** Longest comma-joined list of index names put in one URL path. */
const MAX_PATH_NAMES = 2000;

/** Characters no index name may hold and a prefix must not bring into a wildcard expression. */
const NOT_IN_INDEX_NAMES = /[\s\\/*?"<>|,#:]/;

/** Refuses a prefix that would widen `<prefix>*` beyond what the dependency owns. */
export function assertIndexPrefix(prefix: string | undefined): string {
  if (!prefix || NOT_IN_INDEX_NAMES.test(prefix) || /^[_\-+]/.test(prefix) || prefix !== prefix.toLowerCase()) {
    throw new ProviderError("invalid_input", "the dependency's index prefix is missing or not a valid OpenSearch index name prefix", { field: "metadata.index" });
  }
  return prefix;
}

/**
 * Every index whose name starts with `prefix`, closed and hidden ones included,
 * with its settings, mappings and aliases (get-index API; `{}` when none match).
 */
export async function indicesUnder(http: OpenSearchHttp, prefix: string): Promise<Map<string, IndexDefinition>> {
  const body = await http.expect("GET", `/${encodeURIComponent(assertIndexPrefix(prefix))}*`, { query: { expand_wildcards: "all" } });
  const found = new Map<string, IndexDefinition>();
  for (const [name, definition] of Object.entries((body ?? {}) as Record<string, IndexDefinition>)) {
    // An alias matching the pattern resolves to its indices; keep only names that are ours.
    if (name.startsWith(prefix)) found.set(name, definition);
  }
  return found;
}

/**
 * Deletes indices by explicit name (never a wildcard: clusters with
 * `action.destructive_requires_name` refuse those), in URL-sized batches.
 * Names already gone are fine.
 */
export async function deleteIndices(http: OpenSearchHttp, names: Iterable<string>): Promise<void> {
  for (const batch of pathBatches([...names])) {
    await http.expect("DELETE", `/${batch}`, { query: { ignore_unavailable: "true" } });
  }
}

/** Makes already-indexed documents visible to search. */
export async function refreshIndices(http: OpenSearchHttp, names: Iterable<string>): Promise<void> {
  for (const batch of pathBatches([...names])) await http.expect("POST", `/${batch}/_refresh`);
}

function pathBatches(names: string[]): string[] {
  const batches: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const name of names) {
    const encoded = encodeURIComponent(name);
    if (current.length > 0 && length + encoded.length + 1 > MAX_PATH_NAMES) {
      batches.push(current.join(","));
      current = [];
      length = 0;
    }
    current.push(encoded);
    length += encoded.length + 1;
  }
  if (current.length > 0) batches.push(current.join(","));
  return batches;
}
