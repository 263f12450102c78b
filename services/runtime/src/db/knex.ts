import knexFactory, { type Knex } from "knex";
import pg from "pg";

export type { Knex };

/** What a store method runs its SQL on: the pool, or a transaction the caller holds. */
export type Db = Knex | Knex.Transaction;

/** A migration in code (bundles cleanly, no directory scanning). */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** A knex pool whose every connection uses `schema` first on its search path. */
export function createKnex(databaseUrl: string, options: { schema: string; poolMax?: number }): Knex {
  return knexFactory({
    client: "pg",
    connection: databaseUrl,
    searchPath: [options.schema, "public"],
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 15_000,
  });
}

/** Creates the database named in `databaseUrl` when missing (safe when several replicas race). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) return;
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== "3D000") throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P04") throw error; // created by another replica meanwhile
  } finally {
    await admin.end();
  }
}

/**
 * Creates `schema` and runs its migrations under a Postgres advisory lock, so
 * replicas starting together migrate once and the others wait, then see it done.
 */
export async function migrateSchema(databaseUrl: string, knex: Knex, schema: string, migrations: Migration[]): Promise<void> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext($1))", [`berth-migrate:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    await knex.migrate.latest({
      schemaName: schema,
      tableName: "knex_migrations",
      migrationSource: {
        getMigrations: async () => migrations,
        getMigrationName: (migration: Migration) => migration.name,
        getMigration: async (migration: Migration) => ({ up: migration.up, down: migration.down ?? (async () => undefined) }),
      },
    });
  } finally {
    await lock.query("SELECT pg_advisory_unlock(hashtext($1))", [`berth-migrate:${schema}`]).catch(() => undefined);
    await lock.end();
  }
}

/** True when `error` is Postgres' unique_violation (23505) on the named constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === "23505" && pgError.constraint === constraint;
}
