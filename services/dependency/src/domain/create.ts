import { ErrorReason } from "@berth/client";
import { secretPartsOfUrl } from "@berth/provider-sdk";
import { assertNoViolations, BerthError, createOnce, fromProviderError, newId, recordEvent, recordJob, requestFingerprint } from "@berth/runtime";
import { dependencyStore, type NewDependency } from "../store/dependency-store.js";
import type { DependencyRecord, StoredDataClass } from "../store/records.js";
import { CONNECTION_SECRET } from "../store/secret-store.js";
import { REALIZE_QUEUE, type DependencyContext } from "./context.js";
import { probeConnection } from "./probe.js";
import { scopeViolations } from "./validation.js";

export interface CreateInput {
  requestId: string;
  projectId: string;
  environmentId: string;
  name: string;
  kind: string;
  provenance: Record<string, string | number>;
  deletionProtection: boolean;
  dataClass: StoredDataClass;
}

export interface ProvisionInput extends CreateInput {
  realizationTarget: string;
}

export interface ImportInput extends CreateInput {
  connectionUrl: string;
  probe: boolean;
}

/** Creates a managed dependency in `provisioning` and records its realization job in the same transaction. */
export async function provisionDependency(ctx: DependencyContext, input: ProvisionInput): Promise<DependencyRecord> {
  assertNoViolations(scopeViolations(input));
  ctx.providers.managedFor(input.kind);
  const target = ctx.providers.targetFor(input.kind, input.realizationTarget);
  const print = requestFingerprint(["provision", input.projectId, input.environmentId, input.name, input.kind, target.name]);
  return createOnceByRequest(ctx, input.requestId, print, "dependency provisioning", (id) =>
    ctx.db.transaction(async (trx) => {
      const created = await insertOrConflict(trx, {
        ...baseRecord(id, input, print),
        source: "managed",
        status: "provisioning",
        metadata: {},
        maskedUrl: "",
        secretVersion: null,
        realizationTarget: target.name,
      });
      await recordEvent(trx, "dependency.dependency.created", eventData(created));
      await recordJob(trx, REALIZE_QUEUE, `realize:${id}:1`, { dependencyId: id });
      return created;
    }),
  );
}

/** Records an external dependency: validates its URL, optionally probes it, stores the URL as secret version 1. */
export async function importDependency(ctx: DependencyContext, input: ImportInput): Promise<DependencyRecord> {
  const violations = scopeViolations(input);
  if (!input.connectionUrl) violations.push({ field: "connection_url", description: "is required" });
  assertNoViolations(violations);
  const secrets = secretPartsOfUrl(input.connectionUrl);
  const importer = ctx.providers.importerFor(input.kind);
  let description;
  try {
    description = importer.describeConnection(input.kind, input.connectionUrl);
  } catch (error) {
    throw fromProviderError(error, secrets);
  }
  const print = requestFingerprint(["import", input.projectId, input.environmentId, input.name, input.kind, description.maskedUrl]);
  return createOnceByRequest(ctx, input.requestId, print, "dependency imported", async (id) => {
    // A failed probe stores nothing: the user fixes the URL and imports again.
    const probed = input.probe ? await probeConnection(ctx, input.kind, input.connectionUrl) : undefined;
    if (probed?.error) throw probed.error;
    return ctx.db.transaction(async (trx) => {
      const created = await insertOrConflict(trx, {
        ...baseRecord(id, input, print),
        source: "imported",
        status: "ready",
        // Ready to bind, but unproved until a probe (now or `dependency probe`) logs in with it.
        connectionVerification: probed ? "verified" : "unverified",
        connectionCheckedAt: probed?.connectionCheckedAt ?? null,
        metadata: description.metadata,
        maskedUrl: description.maskedUrl,
        secretVersion: 1,
        realizationTarget: "",
      });
      await ctx.secrets.put(trx, id, CONNECTION_SECRET, input.connectionUrl);
      await recordEvent(trx, "dependency.dependency.created", eventData(created));
      return created;
    });
  });
}

/**
 * The create path both sources share: once per request id (a replay returns the
 * first record; see createOnce), `insert` given the new record's id; then the
 * relay is kicked and the create logged.
 */
async function createOnceByRequest(ctx: DependencyContext, requestId: string, print: string, logMessage: string, insert: (id: string) => Promise<DependencyRecord>): Promise<DependencyRecord> {
  const id = newId("dep");
  const record = await createOnce({
    requestId,
    fingerprint: print,
    noun: "dependency",
    findByRequestId: (earlier) => dependencyStore.getByRequestId(ctx.db, earlier),
    insert: () => insert(id),
  });
  ctx.relay.kick();
  ctx.log.info({ dependencyId: record.id, kind: record.kind }, logMessage);
  return record;
}

function baseRecord(id: string, input: CreateInput, print: string): Omit<NewDependency, "source" | "status" | "metadata" | "maskedUrl" | "secretVersion" | "realizationTarget"> {
  return {
    id,
    projectId: input.projectId,
    environmentId: input.environmentId,
    name: input.name,
    kind: input.kind,
    provenance: input.provenance,
    deletionProtection: input.deletionProtection,
    dataClass: input.dataClass,
    requestId: input.requestId || id,
    requestFingerprint: print,
  };
}

export function eventData(record: DependencyRecord): Record<string, unknown> {
  return {
    dependencyId: record.id,
    projectId: record.projectId,
    environmentId: record.environmentId,
    name: record.name,
    kind: record.kind,
    source: record.source,
    status: record.status,
    dataClass: record.dataClass,
  };
}

async function insertOrConflict(trx: Parameters<typeof dependencyStore.insert>[0], record: NewDependency): Promise<DependencyRecord> {
  const created = await dependencyStore.insert(trx, record);
  if (created === "name_taken") {
    throw new BerthError(
      ErrorReason.ERROR_REASON_DEPENDENCY_ALREADY_EXISTS,
      `a dependency named ${record.name} already exists in ${record.projectId}/${record.environmentId}`,
      { metadata: { name: record.name, project_id: record.projectId, environment_id: record.environmentId } },
    );
  }
  return created;
}
