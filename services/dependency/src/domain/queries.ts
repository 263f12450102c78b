import { setTimeout as sleep } from "node:timers/promises";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { ErrorReason } from "@berth/client";
import { BerthError, invalidArgument } from "@berth/runtime";
import { dependencyStore } from "../store/dependency-store.js";
import { SETTLED_STATES, type DependencyRecord, type DependencyState } from "../store/records.js";
import type { DependencyContext } from "./context.js";

export async function getDependency(ctx: DependencyContext, id: string): Promise<DependencyRecord> {
  const dependency = /^dep_[A-Za-z0-9]+$/.test(id) ? await dependencyStore.get(ctx.db, id) : undefined;
  if (!dependency) {
    throw new BerthError(GrpcStatus.NOT_FOUND, ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND, `dependency ${id || '""'} not found`, {
      metadata: { dependency_id: id },
    });
  }
  return dependency;
}

export interface ListInput {
  projectId: string;
  environmentId: string;
  kind: string;
  status?: DependencyState;
  pageSize: number;
  pageToken: string;
  showDeleted: boolean;
}

/** Keyset pagination over insertion order: stable while records are added. */
export async function listDependencies(ctx: DependencyContext, input: ListInput): Promise<{ items: DependencyRecord[]; nextPageToken: string }> {
  if (input.pageSize < 0 || input.pageSize > 500) {
    throw invalidArgument("page_size must be between 1 and 500", [{ field: "page_size", description: "must be between 1 and 500 (0 means 50)" }]);
  }
  const limit = input.pageSize || 50;
  const afterSeq = input.pageToken ? decodePageToken(input.pageToken) : undefined;
  const rows = await dependencyStore.list(ctx.db, {
    projectId: input.projectId || undefined,
    environmentId: input.environmentId || undefined,
    kind: input.kind || undefined,
    status: input.status,
    showDeleted: input.showDeleted,
    limit: limit + 1,
    afterSeq,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextPageToken = rows.length > limit && last ? encodePageToken(last) : "";
  return { items, nextPageToken };
}

function encodePageToken(record: DependencyRecord): string {
  return Buffer.from(JSON.stringify({ s: record.seq })).toString("base64url");
}

function decodePageToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown };
    if (typeof parsed.s === "string" && /^[0-9]{1,19}$/.test(parsed.s)) return parsed.s;
  } catch {
    // fall through
  }
  throw invalidArgument("page_token is not a token this server issued", [{ field: "page_token", description: "pass next_page_token from a previous response" }], ErrorReason.ERROR_REASON_INVALID_PAGE_TOKEN);
}

/**
 * Yields the dependency now and again whenever it changes. Reads Postgres, so
 * it sees changes made by any replica. Ends once settled when `untilSettled`.
 */
export async function* watchDependency(ctx: DependencyContext, id: string, untilSettled: boolean, signal: AbortSignal, pollMs = 200): AsyncGenerator<DependencyRecord> {
  let previous = "";
  for (;;) {
    const dependency = await getDependency(ctx, id);
    const fingerprint = `${dependency.status}|${dependency.updatedAt.toISOString()}|${dependency.progressMessage}`;
    if (fingerprint !== previous) {
      previous = fingerprint;
      yield dependency;
    }
    if (untilSettled && SETTLED_STATES.has(dependency.status)) return;
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return;
    }
  }
}
