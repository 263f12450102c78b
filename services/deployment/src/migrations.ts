import { createOutboxTable, type Knex, type Migration } from "@berth/runtime";

/** Schema of the deployment service. Only this package reads or writes it. */
export const SCHEMA = "berth_deployment";

export const migrations: Migration[] = [
  {
    name: "0001_resources_targets_deployments",
    async up(knex: Knex) {
      await knex.schema.createTable("resources", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("project_id").notNullable();
        t.text("environment_id").notNullable();
        t.text("name").notNullable();
        t.text("command").notNullable();
        t.text("cwd").notNullable().defaultTo("");
        t.jsonb("env").notNullable().defaultTo("{}");
        t.text("health_url").notNullable().defaultTo("");
        t.jsonb("provenance").notNullable().defaultTo("{}");
        t.text("request_id").unique();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("deleted_at", { useTz: true });
      });
      await knex.raw("CREATE UNIQUE INDEX resources_live_name ON resources (project_id, environment_id, name) WHERE deleted_at IS NULL");
      await knex.schema.createTable("runtime_targets", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("name").notNullable();
        t.text("kind").notNullable();
        t.text("request_id").unique();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("deleted_at", { useTz: true });
      });
      await knex.raw("CREATE UNIQUE INDEX runtime_targets_live_name ON runtime_targets (name) WHERE deleted_at IS NULL");
      await knex.schema.createTable("deployments", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("project_id").notNullable();
        t.text("environment_id").notNullable();
        t.text("resource_id").notNullable();
        t.text("runtime_target_id").notNullable();
        t.text("status").notNullable(); // pending | starting | running | failed | stopped
        t.text("status_reason").notNullable().defaultTo("");
        t.jsonb("snapshot").notNullable(); // [{bindingId, dependencyId, targetEnvVar, secretRef}] — never rewritten
        t.jsonb("injection").notNullable();
        t.jsonb("provenance").notNullable().defaultTo("{}");
        t.text("request_id").unique();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("started_at", { useTz: true });
        t.timestamp("ended_at", { useTz: true });
        t.index(["resource_id", "seq"]);
        t.index(["status"]);
      });
      await knex.schema.createTable("deployment_events", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("deployment_id").notNullable();
        t.text("resource_id").notNullable();
        t.text("type").notNullable(); // created | started | failed | stopped
        t.text("message").notNullable().defaultTo("");
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(["resource_id", "seq"]);
      });
      await createOutboxTable(knex);
    },
  },
  {
    name: "0002_deployment_runner",
    async up(knex: Knex) {
      // Which Berth process runs a deployment's workload ("host:pid") and its process group,
      // so a restarted service can stop what a dead one left running.
      await knex.schema.alterTable("deployments", (t) => {
        t.text("runner");
        t.integer("workload_pgid");
      });
    },
  },
  {
    name: "0003_deployment_logs",
    async up(knex: Knex) {
      // The last output of each workload, already masked, saved while it runs and when it ends,
      // so `deployments logs` works on any replica and after the workload is gone.
      await knex.schema.createTable("deployment_logs", (t) => {
        t.text("deployment_id").primary();
        t.text("output").notNullable().defaultTo("");
        t.boolean("truncated").notNullable().defaultTo(false);
        t.timestamp("captured_at", { useTz: true });
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
      });
    },
  },
  {
    name: "0004_request_fingerprints",
    async up(knex: Knex) {
      // The digest of each create's parameters, so a request id reused with other parameters is
      // refused (request_id_reused) instead of returning the old record. Older rows keep null: they replay.
      for (const table of ["resources", "runtime_targets", "deployments"]) {
        await knex.schema.alterTable(table, (t) => {
          t.text("request_fingerprint");
        });
      }
    },
  },
];
