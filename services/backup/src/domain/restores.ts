import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { BerthError, newId, recordEvent, recordJob, type JobDelivery } from "@berth/runtime";
import { progressCounter } from "../artifacts/progress.js";
import { createOpenStream } from "../artifacts/sealed-stream.js";
import { store, type RestoreRecord } from "../store/store.js";
import { getBackup } from "./backups.js";
import { RESTORE_QUEUE, safeJobReason, type BackupContext } from "./context.js";

function restoreEventData(r: RestoreRecord): Record<string, unknown> {
  return { restoreId: r.id, backupId: r.backupId, dependencyId: r.dependencyId, status: r.status };
}

export async function getRestore(ctx: BackupContext, id: string): Promise<RestoreRecord> {
  const found = /^rst_[A-Za-z0-9]+$/.test(id) ? await store.getRestore(ctx.db, id) : undefined;
  if (!found) throw new BerthError(GrpcStatus.NOT_FOUND, ErrorReason.ERROR_REASON_RESTORE_NOT_FOUND, `restore ${id || '""'} not found`, { metadata: { restore_id: id } });
  return found;
}

/**
 * Asks for an in-place restore of a backup into its own dependency. Refused,
 * changing nothing, without the explicit acknowledgement, for metadata-only or
 * unfinished restore points, and while another restore of the dependency runs.
 */
export async function requestRestore(ctx: BackupContext, input: { requestId: string; backupId: string; acknowledgeDataOverwrite: boolean }): Promise<RestoreRecord> {
  if (input.requestId) {
    const replay = await store.restoreByRequestId(ctx.db, input.requestId);
    if (replay) return replay;
  }
  const backup = await getBackup(ctx, input.backupId);
  if (!input.acknowledgeDataOverwrite) {
    throw new BerthError(
      GrpcStatus.FAILED_PRECONDITION,
      ErrorReason.ERROR_REASON_RESTORE_ACKNOWLEDGEMENT_REQUIRED,
      `restoring ${backup.id} overwrites the data of ${backup.dependencyId} in place; pass --acknowledge-data-overwrite to confirm`,
    );
  }
  if (backup.kind === "metadata_only") {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RESTORE_POINT_METADATA_ONLY, `backup ${backup.id} is a metadata-only restore point (${backup.metadataOnlyReason}); it holds no data to restore`);
  }
  if (backup.status !== "succeeded" || backup.deletedAt) {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${backup.id} is ${backup.deletedAt ? "deleted" : backup.status}; only a succeeded backup can be restored`);
  }
  const id = newId("rst");
  const created = await ctx.db.transaction(async (trx) => {
    const record = await store.insertRestore(trx, { id, backupId: backup.id, dependencyId: backup.dependencyId, bytesTotal: backup.bytesDone, requestId: input.requestId || null });
    if (record === "in_flight") return record;
    await recordEvent(trx, "backup.restore.created", restoreEventData(record));
    await recordJob(trx, RESTORE_QUEUE, `restore:${id}`, { restoreId: id });
    return record;
  });
  if (created === "in_flight") {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS, `a restore of ${backup.dependencyId} is already running; one at a time`);
  }
  ctx.relay.kick();
  return created;
}

/**
 * The restore job. The artifact's SHA-256 is checked over the whole file before
 * anything touches the target, so a corrupt or missing artifact fails with the
 * target untouched; then decrypt → gunzip → provider restore (in one transaction
 * for Postgres).
 */
export async function runRestore(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { restoreId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { restoreId: string };
  const restore = await store.getRestore(ctx.db, restoreId);
  if (!restore || (restore.status !== "pending" && restore.status !== "running")) return;
  const backup = await getBackup(ctx, restore.backupId);
  const log = ctx.log.child({ restoreId, backupId: backup.id, attempt: job.attempt });
  await store.updateRestore(ctx.db, restoreId, { status: "running", startedAt: new Date(), bytesRestored: 0 });
  let secrets: string[] = [];
  const fail = async (reason: string) => {
    await ctx.db.transaction(async (trx) => {
      const record = await store.updateRestore(trx, restoreId, { status: "failed", statusReason: reason, endedAt: new Date() });
      await recordEvent(trx, "backup.restore.failed", { ...restoreEventData(record), reason });
    });
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
    if (!dependency || !provider?.restore) return await fail("the dependency or its provider's restore is gone");
    const connectionUrl = await ctx.dependencies.resolve(dependency.connectionSecretRef, `restore ${restoreId}`);
    secrets = secretPartsOfUrl(connectionUrl);
    const dataKey = Buffer.from(
      ctx.keyring.decrypt({ keyId: backup.keyId, wrappedKey: backup.wrappedKey!, ciphertext: backup.sealedDataKey! }, `artifact:${backup.id}`),
      "base64",
    );
    const counter = progressCounter((bytes) => store.updateRestore(ctx.db, restoreId, { bytesRestored: bytes }));
    const source = new PassThrough();
    const decompress = backup.compression === "gzip" ? createGunzip({ chunkSize: 256 * 1024 }) : new PassThrough();
    const reading = pipeline(ctx.artifacts.reader(backup.artifactKey), createOpenStream(dataKey, `artifact:${backup.id}`), decompress, counter, source);
    await Promise.all([reading, provider.restore({ kind: dependency.kind, connectionUrl, metadata: dependency.metadata, source, format: backup.format, signal: job.signal })]);
    await ctx.db.transaction(async (trx) => {
      const record = await store.updateRestore(trx, restoreId, { status: "succeeded", statusReason: "", bytesRestored: counter.bytes(), endedAt: new Date() });
      await recordEvent(trx, "backup.restore.succeeded", restoreEventData(record));
    });
    ctx.relay.kick();
    log.info({ bytes: counter.bytes() }, "restore succeeded");
  } catch (error) {
    const reason = safeJobReason(error, secrets, log, "the restore");
    if (job.signal.aborted) throw error;
    await fail(reason);
  }
}
