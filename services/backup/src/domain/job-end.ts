import { recordEvent, type Knex, type Logger } from "@berth/runtime";
import type { BackupContext } from "./context.js";

/** The changes that end any job: its outcome and reason, the end time, the lease released. */
interface JobEnd {
  status: string;
  statusReason: string;
  endedAt: Date;
  leaseOwner: null;
}

/** How a worker ends one job kind: the lease-guarded update of its table and its events' data. */
export interface OwnedJobs<J, C> {
  /** "restore", "drill": its events are `backup.<kind>.<status>`. */
  kind: string;
  updateOwned(db: Knex.Transaction, id: string, owner: string, changes: C): Promise<J | undefined>;
  eventData(job: J): Record<string, unknown>;
}

/**
 * Ends a job its worker still owns, in one transaction: the outcome, its reason,
 * the end time and a released lease, with the `backup.<kind>.<status>` event (a
 * failure's carries the reason). Undefined when the lease was lost meanwhile.
 */
export async function endOwnedJob<J, C>(ctx: BackupContext, jobs: OwnedJobs<J, C>, id: string, owner: string, log: Logger, status: string, reason: string, changes: C): Promise<J | undefined> {
  const end: JobEnd = { status, statusReason: reason, endedAt: new Date(), leaseOwner: null };
  const record = await ctx.db.transaction(async (trx) => {
    const updated = await jobs.updateOwned(trx, id, owner, { ...changes, ...end });
    if (updated) await recordEvent(trx, `backup.${jobs.kind}.${status}`, status === "failed" ? { ...jobs.eventData(updated), reason } : jobs.eventData(updated));
    return updated;
  });
  if (!record) {
    log.warn(`${jobs.kind} ${status} after its lease was lost`);
    return undefined;
  }
  ctx.relay.kick();
  if (status === "failed") log.warn({ reason }, `${jobs.kind} failed`);
  return record;
}
