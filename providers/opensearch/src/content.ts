import { contentStats, refuseNewerVersion, type BackupManifest, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { openConnection } from "./connection.js";
import type { OpenSearchHttp } from "./http.js";
import { indicesUnder } from "./indices.js";

/** The cluster's distribution and version (`GET /`, allowed to managed users by cluster:monitor/main). */
export async function clusterIdentity(http: OpenSearchHttp): Promise<BackupManifest["engine"]> {
  const root = (await http.expect("GET", "/")) as { version?: { distribution?: string; number?: string } };
  return { name: root.version?.distribution ?? "opensearch", version: root.version?.number ?? "unknown" };
}

/**
 * An index's name in content stats: without the dependency's prefix, so a copy
 * restored under another prefix (a drill's scratch dependency) compares equal.
 */
export function contentName(index: string, prefix: string): string {
  return index.slice(prefix.length);
}

/** Documents per index under the dependency's prefix: an exact total-hits count per index. */
export async function describeContent(request: DescribeContentRequest): Promise<ContentStats> {
  const { http, prefix } = openConnection(request.connectionUrl, request.metadata, request.signal);
  const entries = [];
  for (const name of (await indicesUnder(http, prefix)).keys()) {
    const reply = (await http.expect("POST", `/${encodeURIComponent(name)}/_search`, { json: { size: 0, track_total_hits: true, query: { match_all: {} } } })) as {
      hits?: { total?: { value?: number } };
    };
    entries.push({ scope: "index" as const, name: contentName(name, prefix), count: reply.hits?.total?.value ?? 0 });
  }
  return contentStats(entries);
}

/** Refuses, before anything is deleted, a backup from a newer major than the target cluster. */
export async function refuseNewerCluster(http: OpenSearchHttp, manifest: BackupManifest): Promise<void> {
  const target = await clusterIdentity(http);
  refuseNewerVersion({ subject: `the target ${target.name} cluster`, backupVersion: manifest.engine.version, targetVersion: target.version });
}
