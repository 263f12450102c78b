import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { DependencyStatus, ErrorReason } from "@berth/client";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { BerthError, newId, recordEvent, recordJob, watchByPolling, type JobDelivery } from "@berth/runtime";
import { progressCounter } from "../artifacts/progress.js";
import { createSealStream } from "../artifacts/sealed-stream.js";
import { store, uniqueViolation, type BackupRecord } from "../store/store.js";
import { BACKUP_QUEUE, safeJobReason, type BackupContext } from "./context.js";

export function backupEventData(b: BackupRecord): Record<string, unknown> {
  return { backupId: b.id, dependencyId: b.dependencyId, kind: b.kind, status: b.status, sizeBytes: b.sizeBytes, sha256: b.sha256 };
}

export async function getBackup(ctx: BackupContext, id: string): Promise<BackupRecord> {
  const found = /^bkp_[A-Za-z0-9]+$/.test(id) ? await store.getBackup(ctx.db, id) : undefined;
  if (!found) throw new BerthError(GrpcStatus.NOT_FOUND, ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND, `backup ${id || '""'} not found`, { metadata: { backup_id: id } });
  return found;
}

/**
 * Creates a restore point. Native when Berth holds the dependency's connection
 * and its provider can back up; otherwise metadata-only, saying why. Native
 * backups run as a job; the record is returned at once in `pending`.
 */
export async function createBackup(
  ctx: BackupContext,
  input: { requestId: string; dependencyId: string; retentionDays: number; trigger?: "manual" | "scheduled"; policyId?: string },
): Promise<BackupRecord> {
  if (input.requestId) {
    const replay = await store.backupByRequestId(ctx.db, input.requestId);
    if (replay) return replay;
  }
  if (input.retentionDays < 0 || input.retentionDays > 3650) {
    throw new BerthError(GrpcStatus.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "retention_days must be 0 (keep) to 3650", {
      fieldViolations: [{ field: "retention_days", description: "0 keeps it until deleted; at most 3650" }],
    });
  }
  const dependency = await ctx.dependencies.get(input.dependencyId);
  if (!dependency || dependency.status === DependencyStatus.DEPENDENCY_STATUS_DELETED) {
    throw new BerthError(GrpcStatus.NOT_FOUND, ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${input.dependencyId} not found`);
  }
  if (dependency.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY, `dependency ${dependency.id} is not ready`);
  }
  const provider = ctx.providers.get(dependency.kind);
  const metadataOnlyReason = !dependency.connectionSecretRef
    ? "Berth holds no connection secret for this dependency"
    : !provider?.backup || !provider.manifest.capabilities.backup
      ? `the ${dependency.kind} provider has no native backup`
      : "";
  const id = newId("bkp");
  const kind = metadataOnlyReason ? "metadata_only" : "native";
  try {
    const created = await ctx.db.transaction(async (trx) => {
      const record = await store.insertBackup(trx, {
        id,
        dependencyId: dependency.id,
        kind,
        metadataOnlyReason,
        status: kind === "native" ? "pending" : "succeeded",
        trigger: input.trigger ?? "manual",
        policyId: input.policyId ?? "",
        artifactKey: kind === "native" ? `${id}.artifact` : "",
        expireAt: input.retentionDays ? new Date(Date.now() + input.retentionDays * 86_400_000) : null,
        requestId: input.requestId || null,
      });
      await recordEvent(trx, "backup.backup.created", backupEventData(record));
      if (kind === "native") await recordJob(trx, BACKUP_QUEUE, `backup:${id}`, { backupId: id });
      return record;
    });
    ctx.relay.kick();
    return created;
  } catch (error) {
    if (input.requestId && uniqueViolation(error, "backups_request_id_unique")) return (await store.backupByRequestId(ctx.db, input.requestId))!;
    throw error;
  }
}

/**
 * The backup job: provider dump → gzip → per-chunk AES-256-GCM → artifact store.
 * The artifact becomes visible (and the backup `succeeded`) only after it was
 * written whole and its SHA-256 recorded; a failure leaves no restorable artifact.
 */
export async function runBackup(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { backupId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { backupId: string };
  const backup = await store.getBackup(ctx.db, backupId);
  if (!backup || backup.kind !== "native" || (backup.status !== "pending" && backup.status !== "running")) return;
  const log = ctx.log.child({ backupId, attempt: job.attempt });
  const started = Date.now();
  await store.updateBackup(ctx.db, backupId, { status: "running", startedAt: new Date(), bytesDone: 0 });
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
    const counter = progressCounter((bytes) => store.updateBackup(ctx.db, backupId, { bytesDone: bytes }));
    const sink = new PassThrough();
    const seal = createSealStream(dataKey, `artifact:${backupId}`);
    // gzip level 1 by default: several times smaller for SQL dumps, at the cost of CPU;
    // `backupCompression: none` trades artifact size for speed on CPU-bound hosts.
    const compress = ctx.compression === "gzip" ? createGzip({ level: 1 }) : new PassThrough();
    const written = pipeline(sink, counter, compress, seal, writer.stream);
    written.catch(() => undefined); // awaited below on success; on failure the abort ends it
    const result = await provider.backup({ kind: dependency.kind, connectionUrl, metadata: dependency.metadata, sink, signal: job.signal });
    await written;
    const info = await writer.commit();
    const finished = await ctx.db.transaction(async (trx) => {
      const record = await store.updateBackup(trx, backupId, {
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
        endedAt: new Date(),
      });
      await recordEvent(trx, "backup.backup.succeeded", backupEventData(record));
      return record;
    });
    ctx.relay.kick();
    await ctx.onSettled(finished);
    log.info({ sizeBytes: finished.sizeBytes, ms: finished.durationMs }, "backup succeeded");
  } catch (error) {
    await writer.abort();
    const reason = safeJobReason(error, secrets, log, "the backup");
    if (job.signal.aborted || !job.isLastAttempt) {
      await store.updateBackup(ctx.db, backupId, { status: "pending", statusReason: `attempt ${job.attempt} failed: ${reason}; retrying` });
      log.warn({ reason }, "backup attempt failed; will retry");
      throw error;
    }
    const failed = await ctx.db.transaction(async (trx) => {
      const record = await store.updateBackup(trx, backupId, { status: "failed", statusReason: reason, durationMs: Date.now() - started, endedAt: new Date() });
      await recordEvent(trx, "backup.backup.failed", { ...backupEventData(record), reason });
      return record;
    });
    ctx.relay.kick();
    await ctx.onSettled(failed);
    log.warn({ reason }, "backup failed");
  }
}

/** Deletes a restore point and its artifact. Deleting a deleted one returns it. */
export async function deleteBackup(ctx: BackupContext, id: string): Promise<BackupRecord> {
  const backup = await getBackup(ctx, id);
  if (backup.deletedAt) return backup;
  if ((await store.inFlightRestores(ctx.db, backup.dependencyId)).some((r) => r.backupId === id)) {
    throw new BerthError(GrpcStatus.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RESTORE_IN_PROGRESS, `backup ${id} is being restored`);
  }
  if (backup.artifactKey) await ctx.artifacts.delete(backup.artifactKey);
  const deleted = await ctx.db.transaction(async (trx) => {
    const record = await store.updateBackup(trx, id, { deletedAt: new Date() });
    await recordEvent(trx, "backup.backup.deleted", backupEventData(record));
    return record;
  });
  ctx.relay.kick();
  return deleted;
}

/** Yields a backup or restore on every change (status, progress); ends once settled when asked. */
export function watchRecord<T extends { status: string; updatedAt: Date }>(load: () => Promise<T>, untilSettled: boolean, signal: AbortSignal): AsyncGenerator<T> {
  return watchByPolling(load, {
    fingerprint: (r) => `${r.status}|${r.updatedAt.toISOString()}`,
    isSettled: (r) => r.status === "succeeded" || r.status === "failed",
    untilSettled,
    signal,
  });
}
