import { invalidConnectionUrl, serverMetadata, singlePathSegment, type ConnectionUrlRule } from "../parse.js";

export const redisUrlRule: ConnectionUrlRule = {
  kind: "redis",
  schemes: ["redis", "rediss"],
  example: "redis://user:password@host:6379/0",
  defaultPort: () => 6379,
  metadata(url) {
    const db = singlePathSegment(url, redisUrlRule, "db index") ?? "0";
    // Redis ships with 16 logical databases; higher indexes fail at SELECT time.
    if (!/^\d{1,2}$/.test(db) || Number(db) > 15) throw invalidConnectionUrl("redis db index (the URL path) must be an integer from 0 to 15");
    return serverMetadata(url, { db: String(Number(db)), tls: String(url.scheme === "rediss") });
  },
};
