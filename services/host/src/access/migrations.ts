import { createOutboxTable, type Knex, type Migration } from "@berth/runtime";

/** Schema of the access module (tokens, audit chain). Only this module reads or writes it. */
export const ACCESS_SCHEMA = "berth_access";

export const migrations: Migration[] = [
  {
    name: "0001_tokens_audit",
    async up(knex: Knex) {
      await knex.schema.createTable("tokens", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("name").notNullable();
        t.text("role").notNullable();
        t.jsonb("project_ids").notNullable().defaultTo("[]");
        t.jsonb("environment_ids").notNullable().defaultTo("[]");
        // sha256 of the secret part of the bearer value; the value itself is never stored.
        t.binary("secret_hash").notNullable();
        t.text("created_by").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("expires_at", { useTz: true });
        t.timestamp("revoked_at", { useTz: true });
      });
      await knex.schema.createTable("audit_records", (t) => {
        // Assigned under the chain lock: consecutive, so a removed record leaves a gap.
        t.bigInteger("seq").primary();
        t.text("id").notNullable().unique();
        // ISO 8601 text exactly as it was signed.
        t.text("at").notNullable();
        t.text("token_id").notNullable();
        t.text("token_name").notNullable();
        t.text("method").notNullable();
        t.text("project_id").notNullable();
        t.text("environment_id").notNullable();
        t.jsonb("target_ids").notNullable();
        t.text("request_id").notNullable();
        t.text("phase").notNullable();
        t.text("code").notNullable();
        t.text("reason").notNullable();
        t.text("peer").notNullable();
        t.text("key_id").notNullable();
        t.text("prev_mac").notNullable();
        t.text("mac").notNullable();
        t.index(["project_id", "seq"]);
        t.index(["at"]);
      });
      await createOutboxTable(knex);
    },
  },
];
