import { randomBytes } from "node:crypto";
import pg from "pg";
import { dependencyObjectName, postgresScramVerifier, ProviderError, type RealizeRequest, type RealizeResult, type ReleaseRequest } from "@berth/provider-sdk";
import { SharedDatabaseAdmin } from "./admin.js";
import { deliveredUrl, sharedDatabaseOf } from "./connection.js";

const DUPLICATE_OBJECT = "42710";
const DUPLICATE_SCHEMA = "42P06";
const UNIQUE_VIOLATION = "23505"; // two concurrent CREATE SCHEMA IF NOT EXISTS

/** Role and schema share one name, derived from the dependency id alone. */
export function objectNameFor(dependencyId: string): string {
  return dependencyObjectName(dependencyId, { maxLength: 63 });
}

/**
 * A login role and a schema it owns inside the target's shared database. Other
 * roles get no privilege on the schema, so they can neither read nor write it.
 * Idempotent: a rerun sets a fresh password on the existing role and keeps the data.
 */
export async function realize(request: RealizeRequest): Promise<RealizeResult> {
  const name = objectNameFor(request.dependencyId); // invalid ids fail here, before any connection
  const database = sharedDatabaseOf(request.target);
  const password = randomBytes(24).toString("base64url");
  const admin = await SharedDatabaseAdmin.connect(request.target.adminUrl, [password], request.signal);
  try {
    const role = pg.escapeIdentifier(name);
    const db = pg.escapeIdentifier(database);

    request.progress?.("creating role");
    // The server gets a SCRAM verifier, never the plaintext: statement and error logs
    // cannot capture the password.
    const passwordClause = `PASSWORD ${pg.escapeLiteral(postgresScramVerifier(password))}`;
    const exists = (await admin.rows("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length > 0;
    const created = !exists && (await admin.exec(`CREATE ROLE ${role} LOGIN ${passwordClause} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`, [DUPLICATE_OBJECT]));
    // A rerun (or a concurrent caller that created it first): the role gets this run's password.
    if (!created) await admin.exec(`ALTER ROLE ${role} LOGIN ${passwordClause}`);

    request.progress?.("locking down the shared database");
    // Only roles granted CONNECT may enter the shared database, and nobody but its
    // owner may create objects in `public` (the default since Postgres 15; earlier
    // versions let every role create there).
    await admin.exec(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await admin.exec(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${role}`);
    if ((await admin.rows("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).length > 0) await admin.exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");

    request.progress?.("creating schema");
    const [found] = await admin.rows<{ owner: string }>("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1", [name]);
    if (found && found.owner !== name) {
      throw new ProviderError("internal", `schema ${name} already exists in ${database}, owned by ${found.owner}: it was not created by this provider, so it is left alone`);
    }
    if (!found) await admin.exec(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`, [DUPLICATE_SCHEMA, UNIQUE_VIOLATION]);
    await admin.exec(`REVOKE ALL ON SCHEMA ${role} FROM PUBLIC`);
    // Unqualified names resolve in the dependency's schema, so apps use the URL unchanged.
    await admin.exec(`ALTER ROLE ${role} IN DATABASE ${db} SET search_path = ${role}`);
  } finally {
    await admin.close();
  }
  const url = deliveredUrl(request.target, name, password, database);
  return {
    connectionUrl: url.toString(),
    metadata: { host: url.hostname, port: url.port || "5432", database, schema: name, user: name },
  };
}

/**
 * Drops the schema with everything in it, then the role. Succeeds when they are
 * already gone. Objects this provider did not create are never touched.
 */
export async function release(request: ReleaseRequest): Promise<void> {
  const name = objectNameFor(request.dependencyId);
  sharedDatabaseOf(request.target);
  const admin = await SharedDatabaseAdmin.connect(request.target.adminUrl, [], request.signal);
  try {
    const role = pg.escapeIdentifier(name);
    const roleExists = (await admin.rows("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length > 0;
    if (roleExists) {
      request.progress?.("closing the dependency's sessions");
      // No new sessions, and the open ones end, so DROP SCHEMA does not wait on their locks.
      await admin.exec(`ALTER ROLE ${role} NOLOGIN`);
      await admin.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", [name]);
    }
    request.progress?.("dropping schema");
    const [found] = await admin.rows<{ owner: string }>("SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1", [name]);
    if (found && found.owner === name) await admin.exec(`DROP SCHEMA IF EXISTS ${role} CASCADE`);
    if (roleExists) {
      request.progress?.("dropping role");
      // DROP OWNED removes whatever else the role owns here and revokes its grants (CONNECT on
      // the shared database); nothing is reassigned, because nothing of a released dependency is kept.
      await admin.exec(`DROP OWNED BY ${role} CASCADE`);
      await admin.exec(`DROP ROLE IF EXISTS ${role}`);
    }
  } finally {
    await admin.close();
  }
}
