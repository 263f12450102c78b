import { invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "mysql://user:password@host:3306/database";

export const mysqlUrlRule: ConnectionUrlRule = {
  kind: "mysql",
  schemes: ["mysql", "mariadb"],
  example: EXAMPLE,
  defaultPort: () => 3306,
  metadata(url) {
    const [database, ...extra] = url.segments;
    if (!database) throw invalidConnectionUrl(`mysql connection URL needs a database name as its path, e.g. ${EXAMPLE}`);
    if (extra.length > 0) throw invalidConnectionUrl("mysql connection URL path must be only /<database>");
    const metadata: Record<string, string> = { host: url.host, port: String(url.port), database };
    if (url.user) metadata.user = url.user;
    return metadata;
  },
};
