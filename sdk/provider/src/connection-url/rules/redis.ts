import { invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "redis://user:password@host:6379/0";

export const redisUrlRule: ConnectionUrlRule = {
  kind: "redis",
  schemes: ["redis", "rediss"],
  example: EXAMPLE,
  defaultPort: () => 6379,
  metadata(url) {
    if (url.segments.length > 1) throw invalidConnectionUrl("redis connection URL path must be only /<db index>");
    const db = url.segments[0] ?? "0";
    // Redis ships with 16 logical databases; higher indexes fail at SELECT time.
    if (!/^\d{1,2}$/.test(db) || Number(db) > 15) throw invalidConnectionUrl("redis db index (the URL path) must be an integer from 0 to 15");
    const metadata: Record<string, string> = {
      host: url.host,
      port: String(url.port),
      db: String(Number(db)),
      tls: String(url.scheme === "rediss"),
    };
    if (url.user) metadata.user = url.user;
    return metadata;
  },
};
