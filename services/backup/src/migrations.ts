import { addLeaseColumns, createOutboxTable, type Knex, type Migration } from "@berth/runtime";

/** Schema of the backup service. Only this package reads or writes it. */
export const SCHEMA = "berth_backup";

export const migrations: Migration[] = [
  {
    name: "0001_backups_restores",
    async up(knex: Knex) {
      await knex.schema.createTable("backups", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("dependency_id").notNullable();
        t.text("kind").notNullable(); // native | metadata_only
        t.text("metadata_only_reason").notNullable().defaultTo("");
        t.text("status").notNullable(); // pending | running | succeeded | failed
        t.text("status_reason").notNullable().defaultTo("");
        t.bigInteger("size_bytes").notNullable().defaultTo(0);
        t.bigInteger("bytes_done").notNullable().defaultTo(0);
        t.bigInteger("duration_ms").notNullable().defaultTo(0);
        t.text("sha256").notNullable().defaultTo("");
        t.text("format").notNullable().defaultTo("");
        t.text("trigger").notNullable().defaultTo("manual");
        t.text("policy_id").notNullable().defaultTo("");
        // The artifact's data key, sealed by the master keyring (never the artifact path on the wire).
        t.text("artifact_key").notNullable().defaultTo("");
        t.text("key_id").notNullable().defaultTo("");
        t.binary("wrapped_key");
        t.binary("sealed_data_key");
        t.text("request_id").unique();
        t.timestamp("expire_at", { useTz: true });
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("started_at", { useTz: true });
        t.timestamp("ended_at", { useTz: true });
        t.timestamp("deleted_at", { useTz: true });
        t.index(["dependency_id", "seq"]);
      });
      await knex.schema.createTable("restores", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("backup_id").notNullable();
        t.text("dependency_id").notNullable();
        t.text("status").notNullable();
        t.text("status_reason").notNullable().defaultTo("");
        t.bigInteger("bytes_restored").notNullable().defaultTo(0);
        t.bigInteger("bytes_total").notNullable().defaultTo(0);
        t.text("request_id").unique();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("started_at", { useTz: true });
        t.timestamp("ended_at", { useTz: true });
        t.index(["dependency_id", "seq"]);
      });
      // One restore at a time per dependency.
      await knex.raw("CREATE UNIQUE INDEX restores_one_in_flight ON restores (dependency_id) WHERE status IN ('pending', 'running')");
      await createOutboxTable(knex);
    },
  },
  {
    name: "0002_policies_attempts",
    async up(knex: Knex) {
      await knex.schema.createTable("backup_policies", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("dependency_id").notNullable().unique();
        t.integer("interval_hours").notNullable();
        t.integer("retention_days").notNullable();
        t.boolean("retry_on_failure").notNullable().defaultTo(false);
        t.boolean("enabled").notNullable().defaultTo(true);
        t.integer("consecutive_failures").notNullable().defaultTo(0);
        t.timestamp("next_run_at", { useTz: true }).notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.index(["enabled", "next_run_at"]);
      });
      await knex.schema.createTable("backup_attempts", (t) => {
        t.text("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.text("policy_id").notNullable();
        t.text("dependency_id").notNullable();
        t.text("backup_id").notNullable().defaultTo("");
        t.text("trigger").notNullable();
        t.text("outcome").notNullable(); // running | succeeded | failed | skipped
        t.text("reason").notNullable().defaultTo("");
        t.timestamp("started_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("ended_at", { useTz: true });
        t.index(["policy_id", "seq"]);
        t.index(["backup_id"]);
      });
    },
  },
  {
    name: "0003_backup_compression",
    async up(knex: Knex) {
      // How the artifact's plaintext was compressed before sealing; older artifacts are gzip.
      await knex.schema.alterTable("backups", (t) => {
        t.text("compression").notNullable().defaultTo("gzip");
      });
    },
  },
  {
    name: "0004_job_leases",
    async up(knex: Knex) {
      // The owner (a process instance) and heartbeat of a running job, claim count and cancel request.
      await knex.schema.alterTable("backups", (t) => addLeaseColumns(t, { attempts: true, cancellable: true }));
      await knex.schema.alterTable("restores", (t) => {
        addLeaseColumns(t, { attempts: true, cancellable: true });
        // Set just before the worker starts writing into the target: until then a dead or
        // cancelled restore left the target untouched.
        t.timestamp("target_write_started_at", { useTz: true });
        // Whether the engine rolls an unfinished restore back (provider capability transactionalRestore).
        t.boolean("target_rolls_back").notNullable().defaultTo(false);
        t.text("dependency_kind").notNullable().defaultTo("");
      });
      await knex.raw("CREATE INDEX backups_status_lease ON backups (status, lease_heartbeat_at) WHERE status IN ('pending', 'running')");
      await knex.raw("CREATE INDEX restores_status_lease ON restores (status, lease_heartbeat_at) WHERE status IN ('pending', 'running')");
    },
  },
  {
    name: "0005_restore_safety_and_to_new",
    async up(knex: Knex) {
      await knex.schema.alterTable("restores", (t) => {
        // The backup taken of the target just before an in-place restore (trigger pre-restore).
        t.text("safety_backup_id").notNullable().defaultTo("");
        t.boolean("skip_safety_backup").notNullable().defaultTo(false);
        // True once a failed restore was undone from the safety backup.
        t.boolean("rolled_back").notNullable().defaultTo(false);
        // The backup's own dependency; differs from dependency_id for a restore into a new dependency.
        t.text("source_dependency_id").notNullable().defaultTo("");
        t.boolean("to_new_dependency").notNullable().defaultTo(false);
      });
    },
  },
  {
    name: "0006_restore_drills",
    async up(knex: Knex) {
      // Restore drills (DESIGN §1 "drill"): a backup restored into a scratch dependency and checked.
      // Readiness and retention read them; the drill runner writes them (store/drill-store.ts).
      await knex.schema.createTable("drills", (t) => {
        t.text("id").primary(); // drl_…
        t.bigIncrements("seq", { primaryKey: false });
        t.text("backup_id").notNullable();
        t.text("dependency_id").notNullable();
        t.text("status").notNullable(); // pending | running | passed | failed
        t.text("status_reason").notNullable().defaultTo("");
        t.boolean("check_command_configured").notNullable().defaultTo(false);
        t.boolean("check_passed"); // null until the check ran (or when none is configured)
        t.jsonb("checks").notNullable().defaultTo("[]"); // [{ name, expected, actual, ok }]
        t.text("scratch_dependency_id").notNullable().defaultTo("");
        t.text("request_id").unique();
        t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
        t.timestamp("started_at", { useTz: true });
        t.timestamp("ended_at", { useTz: true });
        t.bigInteger("duration_ms").notNullable().defaultTo(0);
        t.index(["dependency_id", "status", "seq"]);
        t.index(["backup_id", "status"]);
      });
    },
  },
  {
    name: "0007_backup_manifest",
    async up(knex: Knex) {
      // The provider's BackupManifest (engine, tool, format, content counts), written with the artifact.
      await knex.schema.alterTable("backups", (t) => {
        t.jsonb("manifest");
      });
    },
  },
  {
    name: "0008_drill_jobs",
    async up(knex: Knex) {
      // Drills run as leased jobs; what the worker needs to run the check, and what it saw.
      await knex.schema.alterTable("drills", (t) => {
        addLeaseColumns(t, { attempts: true, cancellable: false });
        t.text("check_command").notNullable().defaultTo("");
        t.text("check_env").notNullable().defaultTo("DATABASE_URL");
        t.integer("check_timeout_seconds").notNullable().defaultTo(300);
        t.text("check_output").notNullable().defaultTo("");
        t.timestamp("scratch_released_at", { useTz: true });
      });
      await knex.raw("CREATE INDEX drills_status_lease ON drills (status, lease_heartbeat_at) WHERE status IN ('pending', 'running')");
      // Drill every Nth scheduled backup of a policy (0: never), and how many since the last drill.
      await knex.schema.alterTable("backup_policies", (t) => {
        t.integer("verify_every").notNullable().defaultTo(0);
        t.integer("backups_since_verify").notNullable().defaultTo(0);
      });
    },
  },
  {
    name: "0009_policy_minutes_and_retirement",
    async up(knex: Knex) {
      // The exact interval in minutes (interval_hours stays, as whole hours, for older readers), and why
      // Berth disabled a policy itself (its dependency was deleted).
      await knex.schema.alterTable("backup_policies", (t) => {
        t.integer("interval_minutes");
        t.text("disabled_reason").notNullable().defaultTo("");
      });
      await knex("backup_policies").update({ interval_minutes: knex.raw("interval_hours * 60") });
      await knex.raw("ALTER TABLE backup_policies ALTER COLUMN interval_minutes SET NOT NULL");
    },
  },
  {
    name: "0010_request_fingerprints",
    async up(knex: Knex) {
      // The digest of each create's parameters, so a request id reused with other parameters is
      // refused (request_id_reused) instead of returning the old record. Older rows keep null: they replay.
      for (const table of ["backups", "restores", "drills"]) {
        await knex.schema.alterTable(table, (t) => {
          t.text("request_fingerprint");
        });
      }
    },
  },
];
