import type { ErrorReason } from "@berth/client";
import { BerthError } from "./errors.js";

/** How a get refers to one kind of record: its id prefix, its noun and its not-found refusal. */
export interface RecordLookup {
  /** The prefix newId gives its ids ("dep"). */
  prefix: string;
  /** The refusal's word for it ("runtime target"). */
  noun: string;
  reason: ErrorReason;
  /** The metadata key carrying the refused id ("runtime_target_id"). */
  idKey: string;
}

/**
 * The record `id` names, or the kind's not-found refusal with the id in its
 * metadata. An id without the kind's prefix names nothing and is not looked up.
 */
export async function findRecord<T>(kind: RecordLookup, id: string, find: (id: string) => Promise<T | undefined>): Promise<T> {
  const found = id.startsWith(`${kind.prefix}_`) && /^[A-Za-z0-9]+$/.test(id.slice(kind.prefix.length + 1)) ? await find(id) : undefined;
  if (!found) throw new BerthError(kind.reason, `${kind.noun} ${id || '""'} not found`, { metadata: { [kind.idKey]: id } });
  return found;
}
