import { createHash } from "node:crypto";
import { ErrorReason } from "@berth/client";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { BerthError, isBerthError } from "./errors.js";

/** What a store's insert may answer instead of throwing when the request id is already taken. */
export const REQUEST_ID_TAKEN = "request_id_taken";

/** A record created under a request id, with the fingerprint of the parameters it was created with. */
export interface RequestRecord {
  id: string;
  /** Null for records written before the service stored fingerprints: those replay for any parameters. */
  requestFingerprint: string | null;
}

export interface CreateOnceOptions<T extends RequestRecord> {
  /** The caller's request id; "" creates without replay protection. */
  requestId: string;
  /** {@link requestFingerprint} of the parameters the request id stands for. */
  fingerprint: string;
  /** The record created under this request id, if any (deleted ones too: an id names one record forever). */
  findByRequestId(requestId: string): Promise<T | undefined>;
  /**
   * Checks the preconditions and creates the record (storing `fingerprint` with it). It may throw,
   * or answer {@link REQUEST_ID_TAKEN}, when a concurrent call with the same request id won.
   */
  insert(): Promise<T | typeof REQUEST_ID_TAKEN>;
  /** Names the record in the refusal ("dependency", "backup"…). */
  noun: string;
  /**
   * Whether an error from `insert` may mean a concurrent call with the same request id won
   * (then its record is returned). Default: any unique violation, or a refusal whose status is
   * ALREADY_EXISTS (the winner holds the name). Other errors are the caller's answer as they are.
   */
  isRace?(error: unknown): boolean;
}

/** Postgres unique_violation, on any constraint. */
function isAnyUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "23505";
}

function isDefaultRace(error: unknown): boolean {
  return isAnyUniqueViolation(error) || (isBerthError(error) && error.code === GrpcStatus.ALREADY_EXISTS);
}

/**
 * The one idempotency rule of every create that takes a request id:
 *
 * - the same request id with the same parameters returns the record it created
 *   (a replay: nothing is created or checked again, whatever state the record is in now);
 * - the same request id with other parameters is refused with `request_id_reused`
 *   (INVALID_ARGUMENT, exit code 2: the request is wrong, not the state; a client
 *   that means a new record sends a new id);
 * - of concurrent calls with one request id exactly one creates; the others return
 *   its record (or are refused as above if their parameters differ).
 *
 * @example
 * return createOnce({
 *   requestId: input.requestId,
 *   fingerprint: requestFingerprint(["runtime-target", input.name, input.kind]),
 *   noun: "runtime target",
 *   findByRequestId: (id) => store.targetByRequestId(ctx.db, id),
 *   insert: () => store.insertTarget(ctx.db, { ... }),
 * });
 */
export async function createOnce<T extends RequestRecord>(options: CreateOnceOptions<T>): Promise<T> {
  const earlier = await replayOf(options);
  if (earlier) return earlier;
  let created: T | typeof REQUEST_ID_TAKEN;
  try {
    created = await options.insert();
  } catch (error) {
    // Lost a race on the request id, or on a constraint the winner now holds (one live name, one restore in flight).
    if (!(options.isRace ?? isDefaultRace)(error)) throw error;
    const winner = await replayOf(options);
    if (winner) return winner;
    throw error;
  }
  if (created !== REQUEST_ID_TAKEN) return created;
  const winner = await replayOf(options);
  if (!winner) throw new Error(`${options.noun} request id ${options.requestId} was taken but its record is not found`);
  return winner;
}

async function replayOf<T extends RequestRecord>(options: CreateOnceOptions<T>): Promise<T | undefined> {
  if (!options.requestId) return undefined;
  const existing = await options.findByRequestId(options.requestId);
  if (!existing) return undefined;
  if (existing.requestFingerprint !== null && existing.requestFingerprint !== options.fingerprint) {
    throw new BerthError(
      ErrorReason.ERROR_REASON_REQUEST_ID_REUSED,
      `request id ${options.requestId} was already used for a different ${options.noun} request (${existing.id}); send a new request id`,
      { fieldViolations: [{ field: "request_id", description: "already used with other parameters" }], metadata: { request_id: options.requestId, existing_id: existing.id } },
    );
  }
  return existing;
}

/** A digest of the parameters a request id stands for, to tell a replay from a reused id. */
export function requestFingerprint(parts: ReadonlyArray<string | number | boolean>): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
