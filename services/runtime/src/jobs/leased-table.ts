import type { Db, Knex } from "../db/knex.js";
import type { HeartbeatAnswer } from "./lease.js";

type Row = Record<string, unknown>;

/** How one service's job table spells its states (each service keeps its own table and schema). */
export interface LeasedTableSpec {
  table: string;
  /** Status of a job waiting for a worker ("pending", "provisioning"). */
  waitingStatus: string;
  /** Status while a worker owns it ("running"; may equal waitingStatus, then the owner tells them apart). */
  runningStatus: string;
  /** Column counting claims. Default "attempts". */
  attemptsColumn?: string;
  /** Whether the table has `cancel_requested_at`. */
  cancellable: boolean;
}

/** Adds the lease columns to a job table (in a service's own migration). */
export function addLeaseColumns(t: Knex.AlterTableBuilder, options: { attempts: boolean; cancellable: boolean }): void {
  t.text("lease_owner");
  t.timestamp("lease_heartbeat_at", { useTz: true });
  if (options.attempts) t.integer("attempts").notNullable().defaultTo(0);
  if (options.cancellable) t.timestamp("cancel_requested_at", { useTz: true });
}

const ago = (db: Db, ms: number) => db.raw("now() - make_interval(secs => ?)", [ms / 1000]);

/**
 * The lease SQL every job table shares, run by the owning service's store on
 * its own schema. Times come from Postgres' clock, so replicas with skewed
 * clocks agree on which leases expired.
 */
export function leasedTable(spec: LeasedTableSpec) {
  const attempts = spec.attemptsColumn ?? "attempts";
  return {
    /** Takes a waiting, unowned job for `owner` (one claim wins); the claimed row, or undefined. */
    async claim(db: Db, id: string, owner: string, changes: Row = {}): Promise<Row | undefined> {
      const [row] = await db(spec.table)
        .where({ id, status: spec.waitingStatus })
        .whereNull("lease_owner")
        .update({ ...changes, status: spec.runningStatus, lease_owner: owner, lease_heartbeat_at: db.fn.now(), [attempts]: db.raw("?? + 1", [attempts]), updated_at: db.fn.now() })
        .returning("*");
      return row as Row | undefined;
    },
    async heartbeat(db: Db, id: string, owner: string): Promise<HeartbeatAnswer> {
      const [row] = await db(spec.table).where({ id, lease_owner: owner }).update({ lease_heartbeat_at: db.fn.now() }).returning(spec.cancellable ? ["cancel_requested_at"] : ["id"]);
      return { held: Boolean(row), cancelRequested: Boolean(spec.cancellable && row?.cancel_requested_at) };
    },
    /** Updates a job only while `owner` holds it; undefined when it does not (lost or ended elsewhere). */
    async updateOwned(db: Db, id: string, owner: string, patch: Row): Promise<Row | undefined> {
      const [row] = await db(spec.table).where({ id, lease_owner: owner }).update({ ...patch, updated_at: db.fn.now() }).returning("*");
      return row as Row | undefined;
    },
    async listExpired(db: Db, ttlMs: number, limit = 100): Promise<Row[]> {
      return db(spec.table).where({ status: spec.runningStatus }).whereNotNull("lease_owner").where("lease_heartbeat_at", "<", ago(db, ttlMs)).orderBy("lease_heartbeat_at").limit(limit);
    },
    async listWaiting(db: Db, graceMs: number, limit = 100): Promise<Row[]> {
      return db(spec.table).where({ status: spec.waitingStatus }).whereNull("lease_owner").where("updated_at", "<", ago(db, graceMs)).orderBy("updated_at").limit(limit);
    },
    /** Whether `row`'s owner stopped heart-beating `ttlMs` ago (for a cancel deciding to end it itself). */
    async isExpired(db: Db, id: string, ttlMs: number): Promise<boolean> {
      const row = await db(spec.table).where({ id }).whereNotNull("lease_owner").where("lease_heartbeat_at", "<", ago(db, ttlMs)).first("id");
      return Boolean(row);
    },
    /**
     * Changes a job the reconciler listed, only if it is still as listed (same
     * status and owner): `patch` plus a cleared lease. Undefined when it changed meanwhile.
     */
    async settleListed(db: Db, id: string, listed: { status: string; owner: string | null }, patch: Row): Promise<Row | undefined> {
      const query = db(spec.table).where({ id, status: listed.status });
      if (listed.owner === null) query.whereNull("lease_owner");
      else query.where({ lease_owner: listed.owner });
      const [row] = await query.update({ ...patch, lease_owner: null, lease_heartbeat_at: null, updated_at: db.fn.now() }).returning("*");
      return row as Row | undefined;
    },
  };
}

export type LeasedTable = ReturnType<typeof leasedTable>;
