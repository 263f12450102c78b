import { spawnSync } from "node:child_process";
import { escapeId, type RowDataPacket } from "mysql2/promise";
import { contentStats, refuseNewerVersion, secretPartsOfUrl, versionNumbers, type BackupManifest, type ContentStats, type DescribeContentRequest } from "@berth/provider-sdk";
import { MysqlSession } from "./admin.js";
import type { MysqlEndpoint } from "./connection.js";

/** Server product and version: "10.11.6-MariaDB-0+deb12u1" → { name: "mariadb", version: "10.11.6" }. */
export async function serverIdentity(session: MysqlSession): Promise<BackupManifest["engine"]> {
  const [row] = await session.rows<RowDataPacket & { version: string }>("SELECT VERSION() AS version");
  const text = String(row?.version ?? "");
  return { name: /mariadb/i.test(text) ? "mariadb" : "mysql", version: versionNumbers(text).join(".") || text };
}

/** The dump tool's version: "mariadb-dump  Ver 10.19 Distrib 10.11.19-MariaDB, …" → "10.11.19"; "mysqldump  Ver 8.0.36 for Linux" → "8.0.36". */
export function dumpToolVersion(tool: string): string {
  const out = spawnSync(tool, ["--version"], { encoding: "utf8", timeout: 10_000 }).stdout ?? "";
  const distrib = /Distrib (\S+)/.exec(out)?.[1] ?? /Ver (\S+)/.exec(out)?.[1] ?? "unknown";
  return versionNumbers(distrib).join(".") || distrib;
}

/**
 * MariaDB changes its SQL in minor releases (10.6 → 10.11), MySQL in majors:
 * a dump from a newer one than the target is refused before anything is dropped.
 */
export function refuseNewerServer(manifest: BackupManifest, target: BackupManifest["engine"]): void {
  refuseNewerVersion({
    subject: `the target ${target.name} server`,
    backupVersion: manifest.engine.version,
    targetVersion: target.version,
    precision: target.name === "mariadb" && manifest.engine.name === "mariadb" ? "minor" : "major",
  });
}

/** Rows per base table of the dependency's database (views and sequences hold no rows of their own). */
export async function countRows(session: MysqlSession, database: string): Promise<ContentStats> {
  const tables = await session.rows<RowDataPacket & { name: string }>(
    "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    [database],
  );
  const entries = [];
  for (const { name } of tables) {
    const [{ n }] = await session.rows<RowDataPacket & { n: number }>(`SELECT COUNT(*) AS n FROM ${escapeId(database)}.${escapeId(name)}`);
    entries.push({ scope: "table" as const, name, count: Number(n) });
  }
  return contentStats(entries);
}

/** Rows per table of the live database, in one consistent snapshot, counted the way a backup's manifest counts them. */
export async function describeContent(request: DescribeContentRequest, endpoint: MysqlEndpoint): Promise<ContentStats> {
  const session = await MysqlSession.open(endpoint, { what: "the mysql server", secrets: secretPartsOfUrl(request.connectionUrl), signal: request.signal });
  try {
    await session.exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    return await countRows(session, endpoint.database);
  } finally {
    await session.close();
  }
}
