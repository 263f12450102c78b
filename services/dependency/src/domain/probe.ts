import { ErrorReason, reasonCode } from "@berth/client";
import { secretPartsOfUrl, type SafeMetadata } from "@berth/provider-sdk";
import { BerthError, fromProviderError, isBerthError, recordEvent } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import type { DependencyRecord } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import type { DependencyContext } from "./context.js";
import { eventData } from "./create.js";
import { getDependency } from "./queries.js";

/** A probe that neither logs in nor fails within this long counts as unreachable. */
export const PROBE_TIMEOUT_MS = 10_000;

/** What one probe proved, ready to store on the record. */
export interface ProbeOutcome {
  connectionVerification: "verified" | "failed";
  /** "<reason>: <safe message>" when it failed. */
  connectionVerificationReason: string;
  connectionCheckedAt: Date;
  /** The error to return to the caller when it failed (already mapped and redacted). */
  error?: BerthError;
}

/**
 * Logs in with `connectionUrl` through the provider that declares the kind's
 * probe and returns what that proved. Never throws for a failed probe: the
 * caller decides whether to record it, refuse, or both.
 */
export async function probeConnection(ctx: DependencyContext, kind: string, connectionUrl: string, metadata?: SafeMetadata): Promise<ProbeOutcome> {
  const prober = ctx.providers.proberFor(kind);
  const connectionCheckedAt = new Date();
  try {
    await prober.probe!({ kind, connectionUrl, metadata, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return { connectionVerification: "verified", connectionVerificationReason: "", connectionCheckedAt };
  } catch (error) {
    const mapped = fromProviderError(error, secretPartsOfUrl(connectionUrl));
    const berth = isBerthError(mapped) ? mapped : new BerthError(ErrorReason.ERROR_REASON_INTERNAL, "the probe failed unexpectedly");
    return {
      connectionVerification: "failed",
      connectionVerificationReason: `${reasonCode(berth.reason)}: ${berth.message}`,
      connectionCheckedAt,
      error: berth,
    };
  }
}

/**
 * Probes a live dependency's current connection and records the outcome on it
 * (and as a `dependency.connection.probed` event). A failed probe is recorded
 * first, then returned as the error, so `show` tells the same story.
 */
export async function probeDependency(ctx: DependencyContext, id: string): Promise<DependencyRecord> {
  const dependency = await getDependency(ctx, id);
  if (dependency.status !== "ready" || !dependency.secretVersion) {
    throw new BerthError(
      ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY,
      `dependency ${id} is ${dependency.status}; only a ready dependency has a connection to probe`,
      { metadata: { dependency_id: id, status: dependency.status } },
    );
  }
  const connectionUrl = await ctx.secrets.get(ctx.db, id, CONNECTION_SECRET, dependency.secretVersion);
  if (connectionUrl === undefined) {
    throw new BerthError(ErrorReason.ERROR_REASON_SECRET_NOT_FOUND, `the connection secret of ${id} cannot be read`);
  }
  const outcome = await probeConnection(ctx, dependency.kind, connectionUrl, dependency.source === "managed" ? dependency.metadata : undefined);
  const { error, ...changes } = outcome;
  const updated = await ctx.db.transaction(async (trx) => {
    const record = await dependencyStore.update(trx, id, changes);
    await recordEvent(trx, "dependency.connection.probed", {
      ...eventData(record),
      connectionVerification: record.connectionVerification,
      reason: error ? reasonCode(error.reason) : "",
    });
    return record;
  });
  ctx.relay.kick();
  ctx.log.info({ dependencyId: id, connectionVerification: updated.connectionVerification }, "dependency probed");
  if (error) throw error;
  return updated;
}
