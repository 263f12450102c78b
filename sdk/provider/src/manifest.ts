/**
 * What a native backup holds, recorded in the same snapshot as the dump, so a
 * restored copy can be compared with it (a restore drill) and a restore can
 * refuse a dump the target cannot load. Nothing in it is a secret: names of
 * tables, key types, buckets and indices, counts, sizes and digests only.
 */

/** What a content entry counts: rows of a table, keys of a Redis type, objects of a bucket, documents of an index. */
export type ContentScope = "table" | "type" | "bucket" | "index";

/** The unit each scope counts, for messages and check names ("table public.users rows"). */
export const CONTENT_UNITS: Readonly<Record<ContentScope, string>> = { table: "rows", type: "keys", bucket: "objects", index: "documents" };

/**
 * One counted thing. `scope` + `name` identify it; compare entries only with
 * entries of the same scope and name.
 *
 * @example
 * { scope: "table", name: "public.orders", count: 1200, fingerprint: "md5:9e107d9d372bb6826bd81d3542a419d6" }
 * { scope: "type", name: "hash", count: 42 }
 * { scope: "bucket", name: "berth-dep-7hqk2x", count: 3, bytes: 18211 }
 */
export interface ContentEntry {
  scope: ContentScope;
  /** Schema-qualified table, Redis type, bucket or index name, without the dependency's own prefix where it has one. */
  name: string;
  /** Rows, keys, objects or documents. */
  count: number;
  /** Payload bytes, where the engine reports them exactly (object storage). */
  bytes?: number;
  /**
   * A digest of the content, comparable only with one the same provider made the
   * same way (e.g. `md5:<hex>` over the table's rows in a fixed order). Absent
   * where no cheap one exists; then only `count` (and `bytes`) are compared.
   */
  fingerprint?: string;
}

/** Everything counted in one dependency: the entries, sorted by scope and name, and their totals. */
export interface ContentStats {
  entries: ContentEntry[];
  totals: { count: number; bytes?: number };
}

/**
 * The manifest a provider returns with a native backup (`BackupResult.manifest`).
 *
 * @example
 * {
 *   engine: { name: "postgres", version: "15.19" },
 *   tool: { name: "pg_dump", version: "15.19" },
 *   formatVersion: "1.14",          // pg_dump's custom archive version
 *   content: contentStats([{ scope: "table", name: "public.orders", count: 1200 }]),
 * }
 */
export interface BackupManifest {
  /** The source server: its product name and version as the server reports it. */
  engine: { name: string; version: string };
  /** What wrote the artifact (pg_dump, mariadb-dump, the provider's own exporter) and its version. */
  tool: { name: string; version: string };
  /** Version of the artifact format, so a reader can tell whether it can load it. */
  formatVersion: string;
  content: ContentStats;
}

/**
 * Builds ContentStats from entries: sorted by scope, then name, with totals
 * (`bytes` totalled only when every entry has bytes). Providers build both the
 * manifest's content and describeContent's answer with it, so the two compare
 * entry by entry.
 *
 * @example
 * const content = contentStats([{ scope: "type", name: "string", count: 10 }, { scope: "type", name: "hash", count: 2 }]);
 * // { entries: [hash 2, string 10], totals: { count: 12 } }
 */
export function contentStats(entries: ContentEntry[]): ContentStats {
  const sorted = [...entries].sort((x, y) => (x.scope === y.scope ? compareText(x.name, y.name) : compareText(x.scope, y.scope)));
  const count = sorted.reduce((sum, entry) => sum + entry.count, 0);
  const withBytes = sorted.length > 0 && sorted.every((entry) => entry.bytes !== undefined);
  return { entries: sorted, totals: withBytes ? { count, bytes: sorted.reduce((sum, entry) => sum + (entry.bytes ?? 0), 0) } : { count } };
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
