import { ErrorReason } from "@berth/client";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { BerthError, fromProviderError, recordEvent } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import type { DependencyRecord, StoredDataClass } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import type { DependencyContext } from "./context.js";
import { eventData } from "./create.js";
import { probeConnection } from "./probe.js";
import { getDependency } from "./queries.js";

export interface SettingsChange {
  deletionProtection?: boolean;
  dataClass?: StoredDataClass;
}

/**
 * Changes deletion protection and/or the data class; an unset setting is left
 * alone, and setting one to its current value changes nothing (no event).
 */
export async function updateSettings(ctx: DependencyContext, id: string, change: SettingsChange): Promise<DependencyRecord> {
  const dependency = await getDependency(ctx, id);
  const changes: SettingsChange = {};
  if (change.deletionProtection !== undefined && change.deletionProtection !== dependency.deletionProtection) changes.deletionProtection = change.deletionProtection;
  if (change.dataClass !== undefined && change.dataClass !== dependency.dataClass) changes.dataClass = change.dataClass;
  if (Object.keys(changes).length === 0) return dependency;
  const updated = await ctx.db.transaction(async (trx) => {
    const record = await dependencyStore.update(trx, id, changes);
    await recordEvent(trx, "dependency.dependency.updated", { ...eventData(record), ...changes });
    return record;
  });
  ctx.relay.kick();
  return updated;
}

/**
 * Stores a new connection secret version for an imported dependency (the
 * external password changed). Existing references keep naming their version.
 */
export async function updateImportedConnection(ctx: DependencyContext, id: string, connectionUrl: string, probe: boolean): Promise<DependencyRecord> {
  const dependency = await getDependency(ctx, id);
  if (dependency.source !== "imported" || dependency.status === "deleted") {
    throw new BerthError(
      ErrorReason.ERROR_REASON_DEPENDENCY_SOURCE_MISMATCH,
      `dependency ${id} is ${dependency.status === "deleted" ? "deleted" : "managed"}; only a live imported dependency takes a new connection URL`,
    );
  }
  const secrets = secretPartsOfUrl(connectionUrl);
  const importer = ctx.providers.importerFor(dependency.kind);
  let description;
  try {
    description = importer.describeConnection(dependency.kind, connectionUrl);
  } catch (error) {
    throw fromProviderError(error, secrets);
  }
  const probed = probe ? await probeConnection(ctx, dependency.kind, connectionUrl) : undefined;
  if (probed?.error) throw probed.error;
  const updated = await ctx.db.transaction(async (trx) => {
    await dependencyStore.get(trx, id, { forUpdate: true });
    const version = await ctx.secrets.put(trx, id, CONNECTION_SECRET, connectionUrl);
    const record = await dependencyStore.update(trx, id, {
      secretVersion: version,
      metadata: description.metadata,
      maskedUrl: description.maskedUrl,
      // A new URL is unproved again unless it was probed now.
      connectionVerification: probed ? "verified" : "unverified",
      connectionVerificationReason: "",
      connectionCheckedAt: probed?.connectionCheckedAt ?? null,
    });
    await recordEvent(trx, "dependency.connection.updated", { ...eventData(record), secretVersion: version });
    return record;
  });
  ctx.relay.kick();
  return updated;
}
