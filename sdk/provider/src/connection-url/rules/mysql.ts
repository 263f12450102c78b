import { serverMetadata, singlePathSegment, type ConnectionUrlRule } from "../parse.js";

export const mysqlUrlRule: ConnectionUrlRule = {
  kind: "mysql",
  schemes: ["mysql", "mariadb"],
  example: "mysql://user:password@host:3306/database",
  defaultPort: () => 3306,
  metadata: (url) => serverMetadata(url, { database: singlePathSegment(url, mysqlUrlRule, "database", "a database name") }),
};
