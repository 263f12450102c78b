import { secretPartsOfUrl } from "@berth/provider-sdk";
import { recordEvent, recordJob, type JobDelivery } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import type { DependencyRecord } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import { REALIZE_QUEUE, type DependencyContext } from "./context.js";
import { eventData } from "./create.js";
import { isRetryable, safeReason } from "./provider-errors.js";

/**
 * Realization job: asks the provider to create the dependency, stores the
 * connection as a new secret version and marks it ready — or failed with a safe
 * reason once retries are exhausted. Safe to run twice: providers are idempotent
 * and a dependency that left `provisioning` is not touched again.
 */
export async function runRealization(ctx: DependencyContext, job: JobDelivery): Promise<void> {
  const { dependencyId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { dependencyId: string };
  const log = ctx.log.child({ dependencyId, attempt: job.attempt });
  let failure: { error: unknown; reason: string } | undefined;

  // One transaction around the provider call, holding an advisory lock on the
  // dependency: two workers (a redelivery and a re-queue) never realize it at
  // once, so the stored password is always the one the role has.
  const ready = await ctx.db.transaction(async (trx) => {
    const lock = await trx.raw("SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked", [`berth-realize:${dependencyId}`]);
    if (!lock.rows[0].locked) throw new Error("realization already running in another worker");
    const dependency = await dependencyStore.get(trx, dependencyId);
    if (!dependency || dependency.status !== "provisioning") return undefined;
    const provider = ctx.providers.managedFor(dependency.kind);
    const target = ctx.providers.targetFor(dependency.kind, dependency.realizationTarget);
    await dependencyStore.update(ctx.db, dependencyId, { realizeAttempts: dependency.realizeAttempts + 1, progressMessage: "realizing" });
    let result;
    try {
      result = await provider.realize!({
        dependencyId,
        name: dependency.name,
        kind: dependency.kind,
        target,
        signal: job.signal,
        progress: (message) => void dependencyStore.update(ctx.db, dependencyId, { progressMessage: message }).catch(() => undefined),
      });
    } catch (error) {
      failure = { error, reason: safeReason(error, secretPartsOfUrl(target.adminUrl)) };
      return undefined;
    }
    const still = await dependencyStore.get(trx, dependencyId, { forUpdate: true });
    if (still?.status !== "provisioning") return undefined;
    const version = await ctx.secrets.put(trx, dependencyId, CONNECTION_SECRET, result.connectionUrl);
    const updated = await dependencyStore.update(trx, dependencyId, {
      status: "ready",
      statusReason: "",
      progressMessage: "",
      metadata: result.metadata,
      secretVersion: version,
      maskedUrl: provider.describeConnection(dependency.kind, result.connectionUrl).maskedUrl,
    });
    await recordEvent(trx, "dependency.dependency.ready", eventData(updated));
    return updated;
  });

  if (failure) {
    if (job.signal.aborted || (isRetryable(failure.error) && !job.isLastAttempt)) {
      log.warn({ reason: failure.reason }, "realization failed; will retry");
      throw failure.error;
    }
    const dependency = await dependencyStore.get(ctx.db, dependencyId);
    if (dependency) await markFailed(ctx, dependency, failure.reason);
    log.warn({ reason: failure.reason }, "realization failed");
    return;
  }
  ctx.relay.kick();
  if (ready) log.info("dependency ready");
}

async function markFailed(ctx: DependencyContext, dependency: DependencyRecord, reason: string): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const current = await dependencyStore.get(trx, dependency.id, { forUpdate: true });
    if (!current || current.status !== "provisioning") return;
    const updated = await dependencyStore.update(trx, dependency.id, { status: "failed", statusReason: reason, progressMessage: "" });
    await recordEvent(trx, "dependency.dependency.failed", { ...eventData(updated), reason });
  });
  ctx.relay.kick();
}

export interface ReconcilerOptions {
  /** A provisioning dependency untouched this long gets its job recorded again. */
  staleAfterMs: number;
  /** Realization attempts (all deliveries) before a stuck dependency is marked failed. */
  maxAttempts: number;
}

/**
 * Re-derives lost work from Postgres (the source of truth): a dependency stuck
 * in `provisioning` (job lost with an in-process queue or an unsynced broker)
 * is queued again, and after `maxAttempts` attempts is failed so nothing waits forever.
 * A dependency stuck in `deleting` (process died mid-delete) finishes deleting.
 */
export async function reconcileStuckDependencies(
  ctx: DependencyContext,
  options: ReconcilerOptions,
  finishDelete: (dependency: DependencyRecord) => Promise<void>,
): Promise<void> {
  // One replica reconciles at a time (a session lock on a dedicated connection).
  const lockConnection = await ctx.db.client.acquireConnection();
  try {
    const { rows } = await lockConnection.query("SELECT pg_try_advisory_lock(hashtext('berth-dependency-reconciler')) AS locked");
    if (!rows[0].locked) return;
    try {
      await reconcileOnce(ctx, options, finishDelete);
    } finally {
      await lockConnection.query("SELECT pg_advisory_unlock(hashtext('berth-dependency-reconciler'))");
    }
  } finally {
    await ctx.db.client.releaseConnection(lockConnection);
  }
}

async function reconcileOnce(ctx: DependencyContext, options: ReconcilerOptions, finishDelete: (dependency: DependencyRecord) => Promise<void>): Promise<void> {
  for (const dependency of await dependencyStore.listStale(ctx.db, ["provisioning"], options.staleAfterMs)) {
    if (dependency.realizeAttempts >= options.maxAttempts) {
      await markFailed(ctx, dependency, "realization did not complete after repeated attempts; delete and provision again");
      continue;
    }
    await ctx.db.transaction(async (trx) => {
      await dependencyStore.update(trx, dependency.id, { progressMessage: "re-queued" });
      await recordJob(trx, REALIZE_QUEUE, `realize:${dependency.id}:${Date.now()}`, { dependencyId: dependency.id });
    });
    ctx.log.info({ dependencyId: dependency.id }, "re-queued stale realization");
  }
  for (const dependency of await dependencyStore.listStale(ctx.db, ["deleting"], options.staleAfterMs)) {
    await finishDelete(dependency).catch((error: unknown) =>
      ctx.log.warn({ dependencyId: dependency.id, reason: safeReason(error) }, "could not finish an interrupted delete"),
    );
  }
  ctx.relay.kick();
}
