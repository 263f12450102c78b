import { changedColumns, leasedTable, type LeasedTable, type Db } from "@berth/runtime";
import { columns as drillColumns, drill, type DrillChanges, type DrillRecord } from "./drill-store.js";
import { backup, restore, type BackupRecord, type RestoreRecord } from "./store.js";

type Row = Record<string, unknown>;

/** The lease operations of one job table, mapped to its records. */
function leasedRecords<T, C = Partial<T>>(table: LeasedTable, map: (row: Row) => T, toRow: (changes: C) => Row = (changes) => changedColumns(changes as object)) {
  const maybe = (row: Row | undefined) => (row ? map(row) : undefined);
  return {
    /** Takes a pending, unowned job for `owner`: status running, a fresh heartbeat, attempts + 1. */
    claim: async (db: Db, id: string, owner: string, changes: C = {} as C) => maybe(await table.claim(db, id, owner, toRow(changes))),
    heartbeat: (db: Db, id: string, owner: string) => table.heartbeat(db, id, owner),
    /** Changes the job only while `owner` holds it; undefined once it lost the lease. */
    updateOwned: async (db: Db, id: string, owner: string, changes: C) => maybe(await table.updateOwned(db, id, owner, toRow(changes))),
    listExpired: async (db: Db, ttlMs: number) => (await table.listExpired(db, ttlMs)).map(map),
    listWaiting: async (db: Db, graceMs: number) => (await table.listWaiting(db, graceMs)).map(map),
    isExpired: (db: Db, id: string, ttlMs: number) => table.isExpired(db, id, ttlMs),
    settleListed: async (db: Db, id: string, listed: { status: string; owner: string | null }, changes: C) => maybe(await table.settleListed(db, id, listed, toRow(changes))),
  };
}

/** Leases of backup and restore jobs in berth_backup (the runtime's shared lease SQL on this schema). */
export const jobStore = {
  backups: leasedRecords<BackupRecord>(leasedTable({ table: "backups", waitingStatus: "pending", runningStatus: "running", cancellable: true }), backup),
  restores: leasedRecords<RestoreRecord>(leasedTable({ table: "restores", waitingStatus: "pending", runningStatus: "running", cancellable: true }), restore),
  drills: leasedRecords<DrillRecord, DrillChanges>(leasedTable({ table: "drills", waitingStatus: "pending", runningStatus: "running", cancellable: false }), drill, (changes) => drillColumns(changes)),
};
