import { invalidConnectionUrl, serverMetadata, singlePathSegment, type ConnectionUrlRule } from "../parse.js";

// The values libpq accepts; anything else would only fail later, at connect time.
const SSLMODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"];

export const postgresUrlRule: ConnectionUrlRule = {
  kind: "postgres",
  schemes: ["postgres", "postgresql"],
  example: "postgres://user:password@host:5432/database",
  defaultPort: () => 5432,
  metadata(url) {
    const metadata = serverMetadata(url, { database: singlePathSegment(url, postgresUrlRule, "database", "a database name") });
    const sslmode = url.query.get("sslmode");
    if (sslmode !== null) {
      if (!SSLMODES.includes(sslmode)) throw invalidConnectionUrl(`sslmode must be one of ${SSLMODES.join(", ")}`);
      metadata.sslmode = sslmode;
    }
    return metadata;
  },
};
