import { createOutboxTable, type Knex, type Migration } from "@berth/runtime";

/** Schema of the binding service. Only this package reads or writes it. */
export const SCHEMA = "berth_binding";

export const migrations: Migration[] = [
  {
    name: "0001_bindings_outbox",
    async up(knex: Knex) {
      await knex.schema.createTable("bindings", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("project_id").notNullable();
        t.text("environment_id").notNullable();
        t.text("resource_id").notNullable();
        t.text("dependency_id").notNullable();
        t.text("target_env_var").notNullable();
        t.text("secret_ref").notNullable().defaultTo("");
        t.text("status").notNullable(); // active | unbound
        t.jsonb("provenance").notNullable().defaultTo("{}");
        t.text("request_id").unique();
        t.text("request_fingerprint").notNullable().defaultTo("");
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("unbound_at", { useTz: true });
        t.index(["resource_id", "status"]);
        t.index(["dependency_id", "status"]);
      });
      // One active binding per resource and target name.
      await knex.raw("CREATE UNIQUE INDEX bindings_active_target ON bindings (resource_id, target_env_var) WHERE status = 'active'");
      await createOutboxTable(knex);
    },
  },
];
