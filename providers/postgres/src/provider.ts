import { randomBytes } from "node:crypto";
import pg from "pg";
import {
  connectionDescriber,
  defineProvider,
  postgresScramVerifier,
  postgresUrlRule,
  secretPartsOfUrl,
  type Provider,
  type RealizeRequest,
  type RealizeResult,
  type ReleaseRequest,
} from "@berth/provider-sdk";
import { PgAdmin } from "./admin.js";
import { objectNameFor } from "./names.js";
import { describeContent } from "./content.js";
import { leftovers, probe } from "./probe.js";
import { backup, BACKUP_FORMAT, restore } from "./dump.js";

const DUPLICATE_DATABASE = "42P04";
const DUPLICATE_OBJECT = "42710";

/** The SDK's one postgres URL rule (the same the imported provider applies); other kinds are refused. */
const describe = connectionDescriber(postgresUrlRule);

async function realize(request: RealizeRequest): Promise<RealizeResult> {
  const name = objectNameFor(request.dependencyId);
  const password = randomBytes(24).toString("base64url");
  const secrets = [...secretPartsOfUrl(request.target.adminUrl), password];
  const admin = await PgAdmin.connect(request.target.adminUrl, secrets, request.signal);
  try {
    request.progress?.("creating role");
    const quoted = pg.escapeIdentifier(name);
    // A SCRAM verifier, not the plaintext: statement logs never see the password.
    const literal = pg.escapeLiteral(postgresScramVerifier(password));
    // Idempotent: a re-run (redelivered job) sets a fresh password on the existing role.
    // Checked first: a failing CREATE ROLE … PASSWORD would be written, password and
    // all, to the server log (log_min_error_statement).
    const exists = (await admin.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length > 0;
    if (exists) await admin.exec(`ALTER ROLE ${quoted} LOGIN PASSWORD ${literal}`);
    else await admin.exec(`CREATE ROLE ${quoted} LOGIN PASSWORD ${literal} NOSUPERUSER NOCREATEDB NOCREATEROLE`, [DUPLICATE_OBJECT]);
    request.progress?.("creating database");
    await admin.exec(`CREATE DATABASE ${quoted} OWNER ${quoted}`, [DUPLICATE_DATABASE]);
    await admin.exec(`REVOKE ALL ON DATABASE ${quoted} FROM PUBLIC`);
    await admin.exec(`GRANT CONNECT, TEMPORARY ON DATABASE ${quoted} TO ${quoted}`);
  } finally {
    await admin.close();
  }
  const adminUrl = new URL(request.target.adminUrl);
  const url = new URL(`postgres://placeholder@${request.target.publicHost ?? adminUrl.hostname}:${adminUrl.port || "5432"}/${name}`);
  url.username = name;
  url.password = password;
  return {
    connectionUrl: url.toString(),
    metadata: { host: url.hostname, port: url.port || "5432", database: name, user: name },
  };
}

async function release(request: ReleaseRequest): Promise<void> {
  const name = objectNameFor(request.dependencyId);
  const admin = await PgAdmin.connect(request.target.adminUrl, secretPartsOfUrl(request.target.adminUrl), request.signal);
  try {
    const quoted = pg.escapeIdentifier(name);
    request.progress?.("dropping database");
    await admin.exec(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    request.progress?.("dropping role");
    await admin.exec(`DROP ROLE IF EXISTS ${quoted}`);
  } finally {
    await admin.close();
  }
}

/** Managed Postgres: a database and a login role per dependency on a server Berth administers. */
export const postgresProvider: Provider = defineProvider(
  // pg_restore --single-transaction: an aborted restore leaves the database as it was.
  { name: "@berth/provider-postgres", version: "0.1.0", kinds: ["postgres"], backupFormat: BACKUP_FORMAT, transactionalRestore: true },
  {
    describeConnection: describe,
    realize,
    release,
    probe,
    describeLeftovers: ({ dependencyId }) => leftovers(objectNameFor(dependencyId)),
    backup,
    restore,
    describeContent,
  },
);
