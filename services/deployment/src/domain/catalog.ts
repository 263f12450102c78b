import { ErrorReason, type FieldViolation } from "@berth/client";
import { assertNoViolations, BerthError, createOnce, findRecord, newId, requestFingerprint, type RecordLookup } from "@berth/runtime";
import { RUNTIME_DRIVERS } from "../runtime/drivers.js";
import type { RuntimeDriver } from "../runtime/runtime-target.js";
import type { ResourceRecord, RuntimeTargetRecord } from "../store/records.js";
import { store } from "../store/store.js";
import type { DeploymentContext } from "./context.js";

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type ResourceInput = Omit<ResourceRecord, "id" | "seq" | "createdAt" | "updatedAt" | "requestFingerprint"> & { requestId: string };

/** Resources are records: what to run, where, with which plain (non-secret) env. */
export async function createResource(ctx: DeploymentContext, input: ResourceInput): Promise<ResourceRecord> {
  const violations: FieldViolation[] = [];
  if (!/^prj_[A-Za-z0-9_-]+$/.test(input.projectId)) violations.push({ field: "project_id", description: 'must look like "prj_prod"' });
  if (!/^env_[A-Za-z0-9_-]+$/.test(input.environmentId)) violations.push({ field: "environment_id", description: 'must look like "env_prod"' });
  if (!NAME.test(input.name)) violations.push({ field: "name", description: "must be 1-63 lowercase letters, digits or -, starting with a letter" });
  if (!input.command.trim()) violations.push({ field: "command", description: "is required" });
  for (const key of Object.keys(input.env)) if (!ENV_KEY.test(key)) violations.push({ field: `env[${key}]`, description: "is not a valid environment variable name" });
  assertNoViolations(violations);
  // Plain env and the command are shown everywhere: credentials belong in a dependency binding.
  const secretBearing = [
    ...Object.entries(input.env).filter(([, value]) => holdsCredential(value)).map(([key]) => `env[${key}]`),
    ...(holdsCredential(input.command) ? ["command"] : []),
  ];
  if (secretBearing.length > 0) {
    throw new BerthError(
      ErrorReason.ERROR_REASON_CONFIG_SECRET_VALUE_FORBIDDEN,
      `${secretBearing.join(", ")} holds a URL with a password; import the connection as a dependency and bind it instead`,
      { fieldViolations: secretBearing.map((field) => ({ field, description: "must not contain credentials; bind a dependency instead" })) },
    );
  }
  if (input.healthUrl && !/^https?:\/\/[^\s]+$/.test(input.healthUrl)) violations.push({ field: "health_url", description: "must be an http(s) URL" });
  assertNoViolations(violations);
  // Provenance is who asked, not what: a retry from another actor is still a replay.
  const print = requestFingerprint(["resource", input.projectId, input.environmentId, input.name, input.command, input.cwd, JSON.stringify(sortedEntries(input.env)), input.healthUrl]);
  return createOnce({
    requestId: input.requestId,
    fingerprint: print,
    noun: "resource",
    findByRequestId: (requestId) => store.resourceByRequestId(ctx.db, requestId),
    insert: async () => {
      const created = await store.insertResource(ctx.db, { id: newId("res"), ...input, requestId: input.requestId || null, requestFingerprint: print });
      if (created === "name_taken") {
        throw new BerthError(ErrorReason.ERROR_REASON_RESOURCE_ALREADY_EXISTS, `a resource named ${input.name} already exists in ${input.projectId}/${input.environmentId}`);
      }
      return created;
    },
  });
}

function sortedEntries(env: Record<string, string>): Array<[string, string]> {
  return Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * True when text contains a URL with a password (scheme://user:password@host).
 * One pass over the text: each "://" starts a scan of its userinfo, which ends at
 * the first "/", so no character is scanned twice (a regex with a repeated scheme
 * class before "://" backtracks quadratically on long input).
 */
function holdsCredential(text: string): boolean {
  for (let at = text.indexOf("://"); at !== -1; at = text.indexOf("://", at + 3)) {
    if (at === 0 || !/[a-z0-9+.-]/i.test(text[at - 1]!)) continue;
    let colon = false;
    for (let i = at + 3; i < text.length; i++) {
      const c = text[i]!;
      if (c === "@") {
        if (colon && text[i - 1] !== ":") return true;
        break;
      }
      if (c === "/" || c === "?" || c === "#" || /\s/.test(c)) break;
      if (c === ":") colon = true;
    }
  }
  return false;
}

/** A catalog record kind (resource, runtime target) as gets and deletes treat it. */
interface CatalogKind<T> {
  lookup: RecordLookup;
  /** The deployments column that refers to it. */
  column: "resource_id" | "runtime_target_id";
  deleteBlocked: ErrorReason;
  get(db: DeploymentContext["db"], id: string, includeDeleted?: boolean): Promise<T | undefined>;
  remove(db: DeploymentContext["db"], id: string): Promise<void>;
}

const RESOURCES: CatalogKind<ResourceRecord> = {
  lookup: { prefix: "res", noun: "resource", reason: ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND, idKey: "resource_id" },
  column: "resource_id",
  deleteBlocked: ErrorReason.ERROR_REASON_RESOURCE_DELETE_BLOCKED,
  get: (db, id, includeDeleted) => store.getResource(db, id, includeDeleted),
  remove: (db, id) => store.deleteResource(db, id),
};

const RUNTIME_TARGETS: CatalogKind<RuntimeTargetRecord> = {
  lookup: { prefix: "srv", noun: "runtime target", reason: ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND, idKey: "runtime_target_id" },
  column: "runtime_target_id",
  deleteBlocked: ErrorReason.ERROR_REASON_RUNTIME_TARGET_DELETE_BLOCKED,
  get: (db, id, includeDeleted) => store.getTarget(db, id, includeDeleted),
  remove: (db, id) => store.deleteTarget(db, id),
};

/**
 * Deletes a catalog record no live deployment uses (and that `assertUnused`
 * allows); deleting a deleted one returns it (safe to retry).
 */
async function deleteUndeployed<T>(ctx: DeploymentContext, kind: CatalogKind<T>, id: string, assertUnused: () => Promise<void> = async () => undefined): Promise<T> {
  const record = await findRecord(kind.lookup, id, (recordId) => kind.get(ctx.db, recordId, true));
  if (!(await kind.get(ctx.db, id))) return record;
  if ((await store.countLive(ctx.db, kind.column, id)) > 0) {
    throw new BerthError(kind.deleteBlocked, `${kind.lookup.noun} ${id} has running deployments; stop them first`);
  }
  await assertUnused();
  await kind.remove(ctx.db, id);
  return record;
}

export async function getResource(ctx: DeploymentContext, id: string): Promise<ResourceRecord> {
  return findRecord(RESOURCES.lookup, id, (resourceId) => RESOURCES.get(ctx.db, resourceId));
}

/** Deletes a resource without running deployments or active bindings; deleting a deleted one returns it (safe to retry). */
export async function deleteResource(ctx: DeploymentContext, id: string): Promise<ResourceRecord> {
  return deleteUndeployed(ctx, RESOURCES, id, async () => {
    const bindings = await ctx.peers.activeBindings(id);
    if (bindings.length > 0) {
      throw new BerthError(
        ErrorReason.ERROR_REASON_RESOURCE_DELETE_BLOCKED,
        `resource ${id} still has active bindings (${bindings.map((b) => `${b.targetEnvVar} ${b.id}`).join(", ")}); unbind them first`,
      );
    }
  });
}

export function driverFor(kind: string): RuntimeDriver {
  const driver = RUNTIME_DRIVERS.get(kind);
  if (!driver) {
    throw new BerthError(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, `runtime target kind ${JSON.stringify(kind)} is not supported`, {
      fieldViolations: [{ field: "kind", description: `must be one of: ${[...RUNTIME_DRIVERS.keys()].join(", ")}` }],
    });
  }
  return driver;
}

/** Runtime targets ("servers"): where resources run. The kind decides what they can deliver. */
export async function createRuntimeTarget(ctx: DeploymentContext, input: { requestId: string; name: string; kind: string }): Promise<RuntimeTargetRecord> {
  if (!NAME.test(input.name)) assertNoViolations([{ field: "name", description: "must be 1-63 lowercase letters, digits or -, starting with a letter" }]);
  driverFor(input.kind);
  const print = requestFingerprint(["runtime-target", input.name, input.kind]);
  return createOnce({
    requestId: input.requestId,
    fingerprint: print,
    noun: "runtime target",
    findByRequestId: (requestId) => store.targetByRequestId(ctx.db, requestId),
    insert: async () => {
      const created = await store.insertTarget(ctx.db, { id: newId("srv"), name: input.name, kind: input.kind, requestId: input.requestId || null, requestFingerprint: print });
      if (created === "name_taken") {
        throw new BerthError(ErrorReason.ERROR_REASON_RUNTIME_TARGET_ALREADY_EXISTS, `a runtime target named ${input.name} already exists`);
      }
      return created;
    },
  });
}

export async function getRuntimeTarget(ctx: DeploymentContext, id: string): Promise<RuntimeTargetRecord> {
  return findRecord(RUNTIME_TARGETS.lookup, id, (targetId) => RUNTIME_TARGETS.get(ctx.db, targetId));
}

/** Deletes a runtime target without running deployments; deleting a deleted one returns it (safe to retry). */
export async function deleteRuntimeTarget(ctx: DeploymentContext, id: string): Promise<RuntimeTargetRecord> {
  return deleteUndeployed(ctx, RUNTIME_TARGETS, id);
}
