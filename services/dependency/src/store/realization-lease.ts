import { leasedTable, type Db } from "@berth/runtime";
import { fromRow, type Row } from "./dependency-store.js";
import type { DependencyRecord } from "./records.js";


/** A provisioning dependency is waiting with no lease owner and being realized with one. */
const table = leasedTable({ table: "dependencies", waitingStatus: "provisioning", runningStatus: "provisioning", attemptsColumn: "realize_attempts", cancellable: false });
const record = (row: Record<string, unknown> | undefined) => (row ? fromRow(row as unknown as Row) : undefined);

/** Leases of realization jobs in berth_dependency (the runtime's shared lease SQL on this schema). */
export const realizationLease = {
  /** Takes a provisioning dependency no worker holds: a fresh heartbeat, realize_attempts + 1. */
  claim: async (db: Db, id: string, owner: string): Promise<DependencyRecord | undefined> => record(await table.claim(db, id, owner, { progress_message: "realizing" })),
  heartbeat: (db: Db, id: string, owner: string) => table.heartbeat(db, id, owner),
  /** Gives the dependency back (a retry will claim it again); false when this worker no longer held it. */
  release: async (db: Db, id: string, owner: string): Promise<boolean> => Boolean(await table.updateOwned(db, id, owner, { lease_owner: null, lease_heartbeat_at: null })),
  listExpired: async (db: Db, ttlMs: number) => (await table.listExpired(db, ttlMs)).map((row) => record(row)!),
  listWaiting: async (db: Db, graceMs: number) => (await table.listWaiting(db, graceMs)).map((row) => record(row)!),
  settleListed: async (db: Db, id: string, owner: string | null, patch: Record<string, unknown>) => record(await table.settleListed(db, id, { status: "provisioning", owner }, patch)),
};
