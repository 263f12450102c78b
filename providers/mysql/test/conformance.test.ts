import { beforeAll } from "vitest";
import type { RowDataPacket } from "mysql2/promise";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { mysqlProvider } from "../src/index.js";
import { ADMIN_URL, requireServer, withConnection } from "./support.js";

beforeAll(requireServer);

runProviderConformance({
  provider: mysqlProvider,
  kind: "mysql",
  target: { name: "conformance", kind: "mysql", adminUrl: ADMIN_URL },
  sample: {
    write: (connectionUrl, owner, value) =>
      withConnection(connectionUrl, owner.database, async (connection) => {
        await connection.query("CREATE TABLE IF NOT EXISTS conformance_sample (id int PRIMARY KEY, value text NOT NULL)");
        await connection.query("INSERT INTO conformance_sample VALUES (1, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)", [value]);
      }),
    read: (connectionUrl, owner) =>
      withConnection(connectionUrl, owner.database, async (connection) => {
        const [tables] = await connection.query<RowDataPacket[]>("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'conformance_sample'");
        if (tables.length === 0) return undefined;
        const [rows] = await connection.query<RowDataPacket[]>("SELECT value FROM conformance_sample WHERE id = 1");
        return rows[0]?.value as string | undefined;
      }),
    content: {
      entry: () => ({ scope: "table", name: "conformance_sample" }),
      add: (connectionUrl, owner, key, value) =>
        withConnection(connectionUrl, owner.database, async (connection) => {
          await connection.query("INSERT INTO conformance_sample SELECT max(id) + 1, ? FROM conformance_sample", [`${key}=${value}`]);
        }),
    },
    exists: (target, owner) =>
      withConnection(target.adminUrl, undefined, async (connection) => {
        const [found] = await connection.query<RowDataPacket[]>(
          "SELECT (SELECT count(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?) + (SELECT count(*) FROM mysql.user WHERE User = ?) AS n",
          [owner.database, owner.user],
        );
        return Number(found[0].n) > 0;
      }),
  },
});
