import { leasedTable, type Knex, type LeasedTable } from "@berth/runtime";
import { backup, patchOf, restore, type BackupRecord, type RestoreRecord } from "./store.js";

type Db = Knex | Knex.Transaction;
type Row = Record<string, unknown>;

/** The lease operations of one job table, mapped to its records. */
function leasedRecords<T>(table: LeasedTable, map: (row: Row) => T) {
  const maybe = (row: Row | undefined) => (row ? map(row) : undefined);
  return {
    /** Takes a pending, unowned job for `owner`: status running, a fresh heartbeat, attempts + 1. */
    claim: async (db: Db, id: string, owner: string, changes: Partial<T> = {}) => maybe(await table.claim(db, id, owner, stripped(changes, db))),
    heartbeat: (db: Db, id: string, owner: string) => table.heartbeat(db, id, owner),
    /** Changes the job only while `owner` holds it; undefined once it lost the lease. */
    updateOwned: async (db: Db, id: string, owner: string, changes: Partial<T>) => maybe(await table.updateOwned(db, id, owner, stripped(changes, db))),
    listExpired: async (db: Db, ttlMs: number) => (await table.listExpired(db, ttlMs)).map(map),
    listWaiting: async (db: Db, graceMs: number) => (await table.listWaiting(db, graceMs)).map(map),
    isExpired: (db: Db, id: string, ttlMs: number) => table.isExpired(db, id, ttlMs),
    settleListed: async (db: Db, id: string, listed: { status: string; owner: string | null }, changes: Partial<T>) => maybe(await table.settleListed(db, id, listed, stripped(changes, db))),
  };
}

/** Record changes as column patch, without the updated_at the lease SQL sets itself. */
function stripped(changes: object, db: Db): Row {
  const { updated_at: _ignored, ...patch } = patchOf(changes as Record<string, unknown>, db);
  return patch;
}

/** Leases of backup and restore jobs in berth_backup (the runtime's shared lease SQL on this schema). */
export const jobStore = {
  backups: leasedRecords<BackupRecord>(leasedTable({ table: "backups", waitingStatus: "pending", runningStatus: "running", cancellable: true }), backup),
  restores: leasedRecords<RestoreRecord>(leasedTable({ table: "restores", waitingStatus: "pending", runningStatus: "running", cancellable: true }), restore),
};
