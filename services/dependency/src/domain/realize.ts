import { secretPartsOfUrl } from "@berth/provider-sdk";
import { holdLease, isRetryableProviderError as isRetryable, type JobDelivery, recordEvent, safeProviderReason as safeReason } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import type { DependencyRecord } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import { realizationLease } from "../store/realization-lease.js";
import type { DependencyContext } from "./context.js";
import { eventData } from "./create.js";
import { probeConnection } from "./probe.js";

/**
 * Realization job: asks the provider to create the dependency, stores the
 * connection as a new secret version and marks it ready — or failed with a safe
 * reason once retries are exhausted. Safe to run twice: providers are idempotent
 * and a dependency that left `provisioning` is not touched again. The worker
 * holds a lease (heartbeat in Postgres) while it realizes, so the reconciler
 * re-queues the job if this process dies.
 */
export async function runRealization(ctx: DependencyContext, job: JobDelivery): Promise<void> {
  const { dependencyId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { dependencyId: string };
  const owner = ctx.jobs.instanceId;
  const log = ctx.log.child({ dependencyId, attempt: job.attempt });
  let failure: { error: unknown; reason: string } | undefined;
  let isLastAttempt = job.isLastAttempt;
  let lease: ReturnType<typeof holdLease> | undefined;

  // One transaction around the provider call, holding an advisory lock on the
  // dependency: two workers (a redelivery and a re-queue) never realize it at
  // once, so the stored password is always the one the role has.
  const ready = await ctx.db.transaction(async (trx) => {
    const lock = await trx.raw("SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked", [`berth-realize:${dependencyId}`]);
    if (!lock.rows[0].locked) throw new Error("realization already running in another worker");
    // Claimed outside this transaction, so the lease and its heartbeats are visible to every replica.
    const dependency = await realizationLease.claim(ctx.db, dependencyId, owner);
    if (!dependency) return undefined;
    isLastAttempt ||= dependency.realizeAttempts >= ctx.jobs.maxAttempts;
    lease = holdLease({ heartbeat: () => realizationLease.heartbeat(ctx.db, dependencyId, owner), intervalMs: ctx.jobs.heartbeatMs, parent: job.signal, log });
    const provider = ctx.providers.managedFor(dependency.kind);
    const target = ctx.providers.targetFor(dependency.kind, dependency.realizationTarget);
    let result;
    try {
      result = await provider.realize!({
        dependencyId,
        name: dependency.name,
        kind: dependency.kind,
        target,
        signal: lease.signal,
        progress: (message) => void dependencyStore.update(ctx.db, dependencyId, { progressMessage: message }).catch(() => undefined),
      });
    } catch (error) {
      failure = { error, reason: safeReason(error, secretPartsOfUrl(target.adminUrl)) };
      return undefined;
    }
    // Prove the delivered connection as an app will use it; a failed probe is recorded, not fatal
    // (the target may be reachable only from the runtime's network, under its public host).
    const probed = await probeConnection(ctx, dependency.kind, result.connectionUrl, result.metadata).catch(() => undefined);
    const still = await dependencyStore.get(trx, dependencyId, { forUpdate: true });
    if (still?.status !== "provisioning" || still.leaseOwner !== owner) return undefined;
    const version = await ctx.secrets.put(trx, dependencyId, CONNECTION_SECRET, result.connectionUrl);
    const updated = await dependencyStore.update(trx, dependencyId, {
      status: "ready",
      statusReason: "",
      progressMessage: "",
      metadata: result.metadata,
      secretVersion: version,
      maskedUrl: provider.describeConnection(dependency.kind, result.connectionUrl).maskedUrl,
      leaseOwner: null,
      ...(probed && {
        connectionVerification: probed.connectionVerification,
        connectionVerificationReason: probed.connectionVerificationReason,
        connectionCheckedAt: probed.connectionCheckedAt,
      }),
    });
    await recordEvent(trx, "dependency.dependency.ready", eventData(updated));
    return updated;
  })
    .catch(async (error: unknown) => {
      // An unexpected error (not the provider's): give the lease back so a retry can claim it.
      await realizationLease.release(ctx.db, dependencyId, owner).catch(() => undefined);
      throw error;
    })
    .finally(() => lease?.release());

  if (failure) {
    if (lease?.ended() === "lost") return log.warn("realization stopped: its lease was lost");
    if (job.signal.aborted || (isRetryable(failure.error) && !isLastAttempt)) {
      await realizationLease.release(ctx.db, dependencyId, owner);
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

export async function markFailed(ctx: DependencyContext, dependency: DependencyRecord, reason: string): Promise<void> {
  await ctx.db.transaction(async (trx) => {
    const current = await dependencyStore.get(trx, dependency.id, { forUpdate: true });
    if (!current || current.status !== "provisioning") return;
    const updated = await dependencyStore.update(trx, dependency.id, { status: "failed", statusReason: reason, progressMessage: "", leaseOwner: null });
    await recordEvent(trx, "dependency.dependency.failed", { ...eventData(updated), reason });
  });
  ctx.relay.kick();
}
