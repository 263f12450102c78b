import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { clickhouseProvider } from "../src/index.js";
import { ADMIN_URL, chQuery, requireServer } from "./server.js";

await requireServer();

/** One row per written value; the latest row wins. */
const TABLE = "conformance_sample";
let sequence = 0n;

runProviderConformance({
  provider: clickhouseProvider,
  kind: "clickhouse",
  target: { name: "conformance", kind: "clickhouse", adminUrl: ADMIN_URL },
  sample: {
    async write(connectionUrl, owner, value) {
      await chQuery(connectionUrl, owner.database, `CREATE TABLE IF NOT EXISTS ${TABLE} (seq UInt64, value String) ENGINE = MergeTree ORDER BY seq`);
      const seq = BigInt(Date.now()) * 1000n + (sequence++ % 1000n);
      await chQuery(connectionUrl, owner.database, `INSERT INTO ${TABLE} VALUES (${seq}, '${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}')`);
    },
    content: {
      entry: () => ({ scope: "table", name: TABLE }),
      // seq 0: older than every sample value, so read() still returns the latest one.
      add: (connectionUrl, owner, key, value) => chQuery(connectionUrl, owner.database, `INSERT INTO ${TABLE} VALUES (0, '${key}=${value}')`).then(() => undefined),
    },
    async read(connectionUrl, owner) {
      if ((await chQuery(connectionUrl, owner.database, `EXISTS TABLE ${TABLE}`)).trim() !== "1") return undefined;
      const rows = await chQuery(connectionUrl, owner.database, `SELECT value FROM ${TABLE} ORDER BY seq DESC LIMIT 1 FORMAT TabSeparated`);
      return rows === "" ? undefined : rows.replace(/\n$/, "");
    },
  },
});
