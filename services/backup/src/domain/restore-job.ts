import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { holdLease, recordEvent, type JobDelivery } from "@berth/runtime";
import { progressCounter } from "../artifacts/progress.js";
import { createOpenStream } from "../artifacts/sealed-stream.js";
import { jobStore } from "../store/job-store.js";
import type { RestoreRecord } from "../store/store.js";
import { getBackup } from "./backups.js";
import { safeJobReason, type BackupContext } from "./context.js";
import { restoreEventData } from "./restores.js";
import { targetState } from "./target-state.js";

/**
 * The restore job. The worker claims the restore (a lease with a heartbeat), so
 * a cancel made through any replica reaches it and a dead worker's restore is
 * failed by the reconciler — never blindly run again. The artifact's SHA-256 is
 * checked over the whole file before anything touches the target, so a corrupt
 * or missing artifact fails with the target untouched; then decrypt → gunzip →
 * provider restore (in one transaction for Postgres). Every failure reason says
 * what state the target is in.
 */
export async function runRestore(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { restoreId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { restoreId: string };
  const owner = ctx.jobs.instanceId;
  const restore = await jobStore.restores.claim(ctx.db, restoreId, owner, { startedAt: new Date(), bytesRestored: 0 });
  if (!restore) return;
  const backup = await getBackup(ctx, restore.backupId);
  const log = ctx.log.child({ restoreId, backupId: backup.id, attempt: restore.attempts });
  const lease = holdLease({ heartbeat: () => jobStore.restores.heartbeat(ctx.db, restoreId, owner), intervalMs: ctx.jobs.heartbeatMs, parent: job.signal, log });
  let target: Pick<RestoreRecord, "targetWriteStartedAt" | "targetRollsBack" | "dependencyKind"> = restore;
  let secrets: string[] = [];
  const fail = async (reason: string) => {
    const failed = await ctx.db.transaction(async (trx) => {
      const record = await jobStore.restores.updateOwned(trx, restoreId, owner, { status: "failed", statusReason: reason, endedAt: new Date(), leaseOwner: null });
      if (record) await recordEvent(trx, "backup.restore.failed", { ...restoreEventData(record), reason });
      return record;
    });
    if (!failed) return;
    ctx.relay.kick();
    log.warn({ reason }, "restore failed");
  };
  try {
    if (!(await ctx.artifacts.exists(backup.artifactKey))) return await fail("the backup artifact is missing; the target was not touched");
    if ((await ctx.artifacts.checksum(backup.artifactKey)) !== backup.sha256) {
      return await fail("the backup artifact failed its checksum (corrupt or altered); the target was not touched");
    }
    const dependency = await ctx.dependencies.get(restore.dependencyId);
    const provider = dependency ? ctx.providers.get(dependency.kind) : undefined;
    if (!dependency || !provider?.restore) return await fail("the dependency or its provider's restore is gone; the target was not touched");
    const connectionUrl = await ctx.dependencies.resolve(dependency.connectionSecretRef, `restore ${restoreId}`);
    secrets = secretPartsOfUrl(connectionUrl);
    const dataKey = Buffer.from(
      ctx.keyring.decrypt({ keyId: backup.keyId, wrappedKey: backup.wrappedKey!, ciphertext: backup.sealedDataKey! }, `artifact:${backup.id}`),
      "base64",
    );
    lease.signal.throwIfAborted();
    // Recorded before the first byte reaches the target, so whoever ends this restore can say what state it left.
    target = { targetWriteStartedAt: new Date(), targetRollsBack: provider.manifest.capabilities.transactionalRestore === true, dependencyKind: dependency.kind };
    await jobStore.restores.updateOwned(ctx.db, restoreId, owner, target);
    const counter = progressCounter((bytes) => jobStore.restores.updateOwned(ctx.db, restoreId, owner, { bytesRestored: bytes }));
    const source = new PassThrough();
    const decompress = backup.compression === "gzip" ? createGunzip({ chunkSize: 256 * 1024 }) : new PassThrough();
    const reading = pipeline(ctx.artifacts.reader(backup.artifactKey), createOpenStream(dataKey, `artifact:${backup.id}`), decompress, counter, source, { signal: lease.signal });
    reading.catch(() => undefined);
    await Promise.all([reading, provider.restore({ kind: dependency.kind, connectionUrl, metadata: dependency.metadata, source, format: backup.format, signal: lease.signal })]);
    const succeeded = await ctx.db.transaction(async (trx) => {
      const record = await jobStore.restores.updateOwned(trx, restoreId, owner, { status: "succeeded", statusReason: "", bytesRestored: counter.bytes(), endedAt: new Date(), leaseOwner: null });
      if (record) await recordEvent(trx, "backup.restore.succeeded", restoreEventData(record));
      return record;
    });
    if (!succeeded) return log.warn("restore finished after its lease was lost");
    ctx.relay.kick();
    log.info({ bytes: counter.bytes() }, "restore succeeded");
  } catch (error) {
    const ended = lease.ended();
    if (ended === "lost") return log.warn("restore stopped: its lease was lost (failed or cancelled elsewhere)");
    if (ended === "shutdown" && !target.targetWriteStartedAt) {
      // Nothing was written yet: give it back, to run after the restart.
      await jobStore.restores.updateOwned(ctx.db, restoreId, owner, { status: "pending", leaseOwner: null });
      throw error;
    }
    const why =
      ended === "cancelled" ? "cancelled by an operator" : ended === "shutdown" ? "the server shut down during the restore" : safeJobReason(error, secrets, log, "the restore");
    await fail(`${why}; ${targetState(target)}`);
  } finally {
    lease.release();
  }
}
