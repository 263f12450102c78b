import { invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "clickhouse://user:password@host:9000/database";

// Native protocol for clickhouse://, HTTP interface for http(s)://.
const DEFAULT_PORTS: Record<string, number> = { clickhouse: 9000, http: 8123, https: 8443 };

export const clickhouseUrlRule: ConnectionUrlRule = {
  kind: "clickhouse",
  schemes: ["clickhouse", "http", "https"],
  example: EXAMPLE,
  defaultPort: (scheme) => DEFAULT_PORTS[scheme],
  metadata(url) {
    if (url.segments.length > 1) throw invalidConnectionUrl("clickhouse connection URL path must be only /<database>");
    const fromPath = url.segments[0] || undefined;
    const fromQuery = url.query.get("database") || undefined;
    // Two different answers would make the imported connection ambiguous.
    if (fromPath && fromQuery && fromPath !== fromQuery) {
      throw invalidConnectionUrl("clickhouse database is given both in the path and in ?database= with different values");
    }
    const secure = ["1", "true"].includes(url.query.get("secure") ?? "");
    const metadata: Record<string, string> = {
      host: url.host,
      port: String(url.port),
      database: fromPath ?? fromQuery ?? "default",
      tls: String(url.scheme === "https" || secure),
    };
    // The HTTP interface also takes the user as ?user=.
    const user = url.user ?? (url.query.get("user") || undefined);
    if (user) metadata.user = user;
    return metadata;
  },
};
