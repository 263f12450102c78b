import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { holdLease, recordEvent, type JobDelivery } from "@berth/runtime";
import { progressCounter } from "../artifacts/progress.js";
import { createSealStream } from "../artifacts/sealed-stream.js";
import { jobStore } from "../store/job-store.js";
import type { BackupRecord } from "../store/store.js";
import { backupEventData } from "./backups.js";
import { safeJobReason, type BackupContext } from "./context.js";

/** Status reason of a backup its worker stopped on a cancel request. */
export const BACKUP_CANCELLED = "cancelled by an operator; no artifact was kept";

/**
 * The backup job: provider dump → gzip → per-chunk AES-256-GCM → artifact store.
 * The worker first claims the backup (a lease with a heartbeat in Postgres), so
 * a dead worker's job is found by the reconciler and a cancel made through any
 * replica reaches it. The artifact becomes visible (and the backup `succeeded`)
 * only after it was written whole and its SHA-256 recorded; a failure or cancel
 * leaves no restorable artifact and no partial file.
 */
export async function runBackup(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { backupId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { backupId: string };
  const owner = ctx.jobs.instanceId;
  // Pending and unowned only: a finished, cancelled or running backup is left alone (a duplicate message).
  const backup = await jobStore.backups.claim(ctx.db, backupId, owner, { startedAt: new Date(), bytesDone: 0, statusReason: "" });
  if (!backup) return;
  const log = ctx.log.child({ backupId, attempt: backup.attempts });
  const lease = holdLease({ heartbeat: () => jobStore.backups.heartbeat(ctx.db, backupId, owner), intervalMs: ctx.jobs.heartbeatMs, parent: job.signal, log });
  const isLastAttempt = job.isLastAttempt || backup.attempts >= ctx.jobs.maxAttempts;
  const started = Date.now();
  let secrets: string[] = [];
  const writer = await ctx.artifacts.writer(backup.artifactKey);
  try {
    const dependency = await ctx.dependencies.get(backup.dependencyId);
    const provider = dependency ? ctx.providers.get(dependency.kind) : undefined;
    if (!dependency || !provider?.backup) throw new Error("the dependency or its provider is gone");
    const connectionUrl = await ctx.dependencies.resolve(dependency.connectionSecretRef, `backup ${backupId}`);
    secrets = secretPartsOfUrl(connectionUrl);
    const dataKey = randomBytes(32);
    const sealed = ctx.keyring.encrypt(dataKey.toString("base64"), `artifact:${backupId}`);
    const counter = progressCounter((bytes) => jobStore.backups.updateOwned(ctx.db, backupId, owner, { bytesDone: bytes }));
    const sink = new PassThrough();
    const seal = createSealStream(dataKey, `artifact:${backupId}`);
    // gzip level 1 by default: several times smaller for SQL dumps, at the cost of CPU;
    // `backupCompression: none` trades artifact size for speed on CPU-bound hosts.
    const compress = ctx.compression === "gzip" ? createGzip({ level: 1 }) : new PassThrough();
    const written = pipeline(sink, counter, compress, seal, writer.stream);
    written.catch(() => undefined); // awaited below on success; on failure the abort ends it
    const result = await provider.backup({ kind: dependency.kind, connectionUrl, metadata: dependency.metadata, sink, signal: lease.signal });
    await written;
    lease.signal.throwIfAborted();
    const info = await writer.commit();
    const finished = await ctx.db.transaction(async (trx) => {
      const record = await jobStore.backups.updateOwned(trx, backupId, owner, {
        status: "succeeded",
        statusReason: "",
        sizeBytes: info.sizeBytes,
        bytesDone: counter.bytes(),
        sha256: info.sha256,
        format: result.format,
        compression: ctx.compression,
        durationMs: Date.now() - started,
        keyId: sealed.keyId,
        wrappedKey: sealed.wrappedKey,
        sealedDataKey: sealed.ciphertext,
        manifest: result.manifest ?? null,
        endedAt: new Date(),
        leaseOwner: null,
      });
      if (record) await recordEvent(trx, "backup.backup.succeeded", backupEventData(record));
      return record;
    });
    if (!finished) {
      // The lease lapsed while we worked and the job was re-queued or failed elsewhere: keep no artifact it does not list.
      log.warn("backup finished after its lease was lost; the artifact is discarded");
      await ctx.artifacts.delete(backup.artifactKey);
      return;
    }
    ctx.relay.kick();
    await ctx.onSettled(finished);
    log.info({ sizeBytes: finished.sizeBytes, ms: finished.durationMs }, "backup succeeded");
  } catch (error) {
    await writer.abort();
    const ended = lease.ended();
    if (ended === "lost") {
      log.warn("backup stopped: its lease was lost (the job was re-queued, failed or cancelled elsewhere)");
      return;
    }
    const reason = ended === "cancelled" ? BACKUP_CANCELLED : safeJobReason(error, secrets, log, "the backup");
    if (ended === "shutdown" || (ended !== "cancelled" && !isLastAttempt)) {
      await jobStore.backups.updateOwned(ctx.db, backupId, owner, { status: "pending", leaseOwner: null, statusReason: `attempt ${backup.attempts} failed: ${reason}; retrying` });
      log.warn({ reason }, "backup attempt failed; will retry");
      throw error;
    }
    await finishFailed(ctx, backupId, owner, reason, Date.now() - started);
    log.warn({ reason }, ended === "cancelled" ? "backup cancelled" : "backup failed");
  } finally {
    lease.release();
  }
}

async function finishFailed(ctx: BackupContext, backupId: string, owner: string, reason: string, durationMs: number): Promise<void> {
  const failed = await ctx.db.transaction(async (trx) => {
    const record = await jobStore.backups.updateOwned(trx, backupId, owner, { status: "failed", statusReason: reason, durationMs, endedAt: new Date(), leaseOwner: null });
    if (record) await recordEvent(trx, "backup.backup.failed", { ...backupEventData(record), reason });
    return record;
  });
  if (!failed) return;
  ctx.relay.kick();
  await ctx.onSettled(failed as BackupRecord);
}
