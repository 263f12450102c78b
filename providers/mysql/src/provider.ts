import { randomBytes } from "node:crypto";
import { escape, escapeId, type RowDataPacket } from "mysql2/promise";
import {
  connectionDescriber,
  defineProvider,
  mysqlUrlRule,
  secretPartsOfUrl,
  type Provider,
  type RealizeRequest,
  type RealizeResult,
  type ReleaseRequest,
} from "@berth/provider-sdk";
import { MysqlSession, type ServerFlavour } from "./admin.js";
import { deliveredUrl, parseEndpoint } from "./connection.js";
import { backup, BACKUP_FORMAT, describeContent, restore } from "./dump.js";
import { objectNameFor } from "./names.js";
import { probe } from "./probe.js";
import { nativePasswordHash } from "./password.js";

/** Statement-level limit on waiting for metadata locks, so a release never hangs on a stuck session. */
const LOCK_WAIT_SECONDS = 60;

function openAdmin(request: { target: { adminUrl: string }; signal: AbortSignal }): Promise<MysqlSession> {
  const endpoint = parseEndpoint(request.target.adminUrl, "target.admin_url");
  return MysqlSession.open(endpoint, { what: "the mysql realization target", secrets: secretPartsOfUrl(request.target.adminUrl), signal: request.signal });
}

/**
 * How the password is given to the server. MariaDB accepts the stored hash
 * (`IDENTIFIED BY PASSWORD '*…'`), so the plaintext never reaches its general,
 * slow or binary log. MySQL 8 removed that syntax, and its `IDENTIFIED WITH
 * mysql_native_password AS '*…'` needs a plugin that is off by default since 8.4
 * (the default, caching_sha2_password, stores a salted hash we cannot send
 * portably). MySQL instead rewrites `IDENTIFIED BY '…'` in every log it writes,
 * unless it was started with --log-raw.
 */
function identifiedBy(flavour: ServerFlavour, password: string): string {
  return flavour === "mariadb" ? `IDENTIFIED BY PASSWORD ${escape(nativePasswordHash(password))}` : `IDENTIFIED BY ${escape(password)}`;
}

async function realize(request: RealizeRequest): Promise<RealizeResult> {
  const name = objectNameFor(request.dependencyId);
  // base64url: no character needs quoting in a URL, an option file or SQL.
  const password = randomBytes(24).toString("base64url");
  const account = `${escape(name)}@'%'`;
  const admin = await openAdmin(request);
  try {
    const flavour = await admin.flavour();
    request.progress?.("creating database");
    await admin.exec(`CREATE DATABASE IF NOT EXISTS ${escapeId(name)} CHARACTER SET utf8mb4`);
    request.progress?.("creating user");
    // Idempotent: a rerun (redelivered job) sets a fresh password on the existing user.
    await admin.exec(`CREATE USER IF NOT EXISTS ${account} ${identifiedBy(flavour, password)}`);
    await admin.exec(`ALTER USER ${account} ${identifiedBy(flavour, password)}`);
    // Everything on its own database only: no GRANT OPTION, no global privileges.
    await admin.exec(`GRANT ALL PRIVILEGES ON ${escapeId(name)}.* TO ${account}`);
  } finally {
    await admin.close();
  }
  const adminEndpoint = parseEndpoint(request.target.adminUrl, "target.admin_url");
  const host = request.target.publicHost ?? adminEndpoint.host;
  return {
    connectionUrl: deliveredUrl(host, adminEndpoint.port, name, password, name),
    metadata: { host, port: String(adminEndpoint.port), database: name, user: name },
  };
}

async function release(request: ReleaseRequest): Promise<void> {
  const name = objectNameFor(request.dependencyId);
  const admin = await openAdmin(request);
  try {
    await admin.exec(`SET SESSION lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
    // The user goes first, so nothing logs in again while its sessions are ended.
    request.progress?.("dropping user");
    await admin.exec(`DROP USER IF EXISTS ${escape(name)}@'%'`);
    const sessions = await admin.rows<RowDataPacket & { id: string }>("SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?", [name]);
    // A session may end by itself between the list and the KILL (ER_NO_SUCH_THREAD).
    for (const session of sessions) await admin.exec(`KILL CONNECTION ${Number(session.id)}`, ["ER_NO_SUCH_THREAD"]);
    request.progress?.("dropping database");
    await admin.exec(`DROP DATABASE IF EXISTS ${escapeId(name)}`);
  } finally {
    await admin.close();
  }
}

/**
 * Managed MySQL/MariaDB: a database and a user with every privilege on it (and
 * nothing else) per dependency, on a server Berth administers; native backup
 * with the engine's dump tool and in-place restore.
 */
export const mysqlProvider: Provider = defineProvider(
  { name: "@berth/provider-mysql", version: "0.1.0", kinds: ["mysql"], backupFormat: BACKUP_FORMAT },
  { describeConnection: connectionDescriber(mysqlUrlRule), realize, release, probe, backup, restore, describeContent },
);
