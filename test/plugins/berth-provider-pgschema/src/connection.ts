import { maskConnectionUrl, parseConnectionUrl, postgresUrlRule, ProviderError, type ConnectionDescription, type RealizationTarget, type SafeMetadata } from "@berth/provider-sdk";

/** The one kind this package provides. */
export const KIND = "postgres-schema";

/** Databases a shared target must not use: the maintenance database and the templates. */
const RESERVED_DATABASES = new Set(["postgres", "template0", "template1"]);
/** What dependencyObjectName produces: a lowercase, unquoted-safe SQL identifier. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** A postgres:// URL, checked by the SDK's Postgres URL rule (scheme, host, port, percent-encoding); failures name `field`. */
function parse(url: string, field: string): URL {
  parseConnectionUrl(url, postgresUrlRule, field);
  return new URL(url);
}

function databaseOf(url: URL): string {
  return decodeURIComponent(url.pathname.slice(1));
}

/**
 * Validates a `postgres-schema` connection URL without touching the network. By this
 * provider's convention a dependency's schema is named after its login role.
 */
export function describeConnection(kind: string, connectionUrl: string): ConnectionDescription {
  if (kind !== KIND) throw new ProviderError("unsupported", `this provider handles ${KIND}, not ${kind}`, { field: "kind" });
  const url = parse(connectionUrl, "connection_url");
  const user = decodeURIComponent(url.username);
  const database = databaseOf(url);
  if (!user) throw new ProviderError("invalid_input", "the URL names no user (the role whose schema this is)", { field: "connection_url" });
  if (!database) throw new ProviderError("invalid_input", "the URL names no database", { field: "connection_url" });
  return {
    metadata: { host: url.hostname, port: url.port || "5432", database, schema: user, user },
    maskedUrl: maskConnectionUrl(connectionUrl),
  };
}

/** The shared database every dependency of `target` lives in: the admin URL's database. */
export function sharedDatabaseOf(target: RealizationTarget): string {
  const database = databaseOf(parse(target.adminUrl, "admin_url"));
  if (!database || RESERVED_DATABASES.has(database)) {
    throw new ProviderError(
      "invalid_input",
      `target ${target.name}: the admin URL must name a database dedicated to ${KIND} dependencies (not ${database || "none"}); create one, e.g. CREATE DATABASE berth_previews`,
      { field: "admin_url" },
    );
  }
  return database;
}

/** The delivered URL: the dependency's role on the shared database, at the target's public host. */
export function deliveredUrl(target: RealizationTarget, role: string, password: string, database: string): URL {
  const admin = parse(target.adminUrl, "admin_url");
  const url = new URL(`postgres://placeholder@${target.publicHost ?? admin.hostname}:${admin.port || "5432"}/`);
  url.username = role;
  url.password = password;
  url.pathname = `/${encodeURIComponent(database)}`;
  // Apps reach the server the way the admin does: keep its TLS requirement.
  const sslmode = admin.searchParams.get("sslmode");
  if (sslmode) url.searchParams.set("sslmode", sslmode);
  return url;
}

/**
 * The schema a backup or restore works on: the one realize recorded in the metadata,
 * else (an imported connection) the one named after the URL's role.
 */
export function schemaOf(connectionUrl: string, metadata: SafeMetadata | undefined): string {
  const schema = metadata?.schema ?? decodeURIComponent(parse(connectionUrl, "connection_url").username);
  if (!SCHEMA_NAME.test(schema)) {
    throw new ProviderError("invalid_input", `${JSON.stringify(schema.slice(0, 70))} is not a schema this provider created`, { field: "metadata" });
  }
  return schema;
}
