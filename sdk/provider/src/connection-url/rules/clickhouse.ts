import { invalidConnectionUrl, serverMetadata, singlePathSegment, type ConnectionUrlRule } from "../parse.js";

// Native protocol for clickhouse://, HTTP interface for http(s)://.
const DEFAULT_PORTS: Record<string, number> = { clickhouse: 9000, http: 8123, https: 8443 };

export const clickhouseUrlRule: ConnectionUrlRule = {
  kind: "clickhouse",
  schemes: ["clickhouse", "http", "https"],
  example: "clickhouse://user:password@host:9000/database",
  defaultPort: (scheme) => DEFAULT_PORTS[scheme],
  metadata(url) {
    const fromPath = singlePathSegment(url, clickhouseUrlRule, "database") || undefined;
    const fromQuery = url.query.get("database") || undefined;
    // Two different answers would make the imported connection ambiguous.
    if (fromPath && fromQuery && fromPath !== fromQuery) {
      throw invalidConnectionUrl("clickhouse database is given both in the path and in ?database= with different values");
    }
    const secure = ["1", "true"].includes(url.query.get("secure") ?? "");
    const metadata = serverMetadata(url, { database: fromPath ?? fromQuery ?? "default", tls: String(url.scheme === "https" || secure) });
    // The HTTP interface also takes the user as ?user=.
    const queryUser = url.query.get("user");
    if (!metadata.user && queryUser) metadata.user = queryUser;
    return metadata;
  },
};
