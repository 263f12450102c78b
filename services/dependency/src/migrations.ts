import { addLeaseColumns, createOutboxTable, type Knex, type Migration } from "@berth/runtime";

/** Schema of the dependency service. Only this package reads or writes it. */
export const SCHEMA = "berth_dependency";

export const migrations: Migration[] = [
  {
    name: "0001_dependencies_secrets_outbox",
    async up(knex: Knex) {
      await knex.schema.createTable("dependencies", (t) => {
        t.text("id").primary();
        // Insertion order, for stable keyset pagination (timestamps tie and lose precision in JS).
        t.bigIncrements("seq", { primaryKey: false });
        t.text("project_id").notNullable();
        t.text("environment_id").notNullable();
        t.text("name").notNullable();
        t.text("kind").notNullable();
        t.text("source").notNullable(); // managed | imported
        t.text("status").notNullable(); // provisioning | ready | failed | deleting | deleted
        t.text("status_reason").notNullable().defaultTo("");
        t.text("progress_message").notNullable().defaultTo("");
        t.jsonb("metadata").notNullable().defaultTo("{}");
        t.integer("secret_version"); // current connection secret version, null until realized
        t.text("masked_url").notNullable().defaultTo("");
        t.jsonb("provenance").notNullable().defaultTo("{}");
        t.text("realization_target").notNullable().defaultTo("");
        t.boolean("deletion_protection").notNullable().defaultTo(false);
        t.text("request_id").unique();
        t.text("request_fingerprint").notNullable().defaultTo("");
        t.integer("realize_attempts").notNullable().defaultTo(0);
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("deleted_at", { useTz: true });
        t.index(["project_id", "environment_id", "seq"]);
        t.index(["status", "updated_at"]);
      });
      await knex.raw(
        "CREATE UNIQUE INDEX dependencies_live_name ON dependencies (project_id, environment_id, name) WHERE deleted_at IS NULL",
      );
      await knex.schema.createTable("secrets", (t) => {
        t.text("owner_id").notNullable();
        t.text("name").notNullable();
        t.integer("version").notNullable();
        t.text("key_id").notNullable();
        t.binary("wrapped_key").notNullable();
        t.binary("ciphertext").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.primary(["owner_id", "name", "version"]);
      });
      await createOutboxTable(knex);
    },
  },
  {
    name: "0002_realization_lease",
    async up(knex: Knex) {
      // The worker realizing a dependency (a process instance) and its heartbeat; realize_attempts counts claims.
      await knex.schema.alterTable("dependencies", (t) => addLeaseColumns(t, { attempts: false, cancellable: false }));
    },
  },
  {
    name: "0003_dependency_data_class",
    async up(knex: Knex) {
      // unclassified | disposable | reproducible | production-critical (what the data-readiness gate demands).
      await knex.schema.alterTable("dependencies", (t) => {
        t.text("data_class").notNullable().defaultTo("unclassified");
      });
    },
  },
  {
    name: "0004_connection_verification",
    async up(knex: Knex) {
      // What the last probe proved about the connection; rows from before probes logged in are unverified.
      await knex.schema.alterTable("dependencies", (t) => {
        t.text("connection_verification").notNullable().defaultTo("unverified"); // unverified | verified | failed
        t.text("connection_verification_reason").notNullable().defaultTo("");
        t.timestamp("connection_checked_at", { useTz: true });
      });
    },
  },
];
