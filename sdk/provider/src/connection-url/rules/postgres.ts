import { invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "postgres://user:password@host:5432/database";

// The values libpq accepts; anything else would only fail later, at connect time.
const SSLMODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export const postgresUrlRule: ConnectionUrlRule = {
  kind: "postgres",
  schemes: ["postgres", "postgresql"],
  example: EXAMPLE,
  defaultPort: () => 5432,
  metadata(url) {
    const [database, ...extra] = url.segments;
    if (!database) throw invalidConnectionUrl(`postgres connection URL needs a database name as its path, e.g. ${EXAMPLE}`);
    if (extra.length > 0) throw invalidConnectionUrl("postgres connection URL path must be only /<database>");
    const metadata: Record<string, string> = { host: url.host, port: String(url.port), database };
    if (url.user) metadata.user = url.user;
    const sslmode = url.query.get("sslmode");
    if (sslmode !== null) {
      if (!SSLMODES.includes(sslmode)) throw invalidConnectionUrl(`sslmode must be one of ${SSLMODES.join(", ")}`);
      metadata.sslmode = sslmode;
    }
    return metadata;
  },
};
