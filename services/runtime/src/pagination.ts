import { ErrorReason } from "@berth/client";
import type { SeqWindow } from "./db/records.js";
import { invalidArgument } from "./errors.js";

/**
 * Page tokens over a table's insertion-order `seq` column (bigserial): exact and
 * stable while rows are added, unlike timestamps that tie and lose precision in JS.
 */
export function encodeSeqToken(seq: string): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString("base64url");
}

const MAX_BIGINT = 2n ** 63n - 1n;

export function decodeSeqToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { s?: unknown };
    // A seq is a Postgres bigint: anything above its maximum was not issued here.
    if (typeof parsed.s === "string" && /^[0-9]{1,19}$/.test(parsed.s) && BigInt(parsed.s) <= MAX_BIGINT) return parsed.s;
  } catch {
    // fall through
  }
  throw invalidArgument("page_token is not a token this server issued", [{ field: "page_token", description: "pass next_page_token from a previous response" }], ErrorReason.ERROR_REASON_INVALID_PAGE_TOKEN);
}

/** Validates page_size (0 → 50, 1..500) and returns the limit. */
export function pageLimit(pageSize: number): number {
  if (pageSize < 0 || pageSize > 500) {
    throw invalidArgument("page_size must be between 1 and 500", [{ field: "page_size", description: "must be between 1 and 500 (0 means 50)" }]);
  }
  return pageSize || 50;
}

/** Splits a fetched `limit + 1` rows into the page and the next token. */
export function toPage<T extends { seq: string }>(rows: T[], limit: number): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextPageToken: rows.length > limit && last ? encodeSeqToken(last.seq) : "" };
}

/**
 * One page of a list RPC: validates page_size and page_token, fetches one row
 * more than the page after the token's seq (`fetch` passes the window to its
 * store), and splits off the next token.
 */
export async function readPage<T extends { seq: string }>(
  request: { pageSize: number; pageToken: string },
  fetch: (window: SeqWindow) => Promise<T[]>,
): Promise<{ items: T[]; nextPageToken: string }> {
  const limit = pageLimit(request.pageSize);
  const afterSeq = request.pageToken ? decodeSeqToken(request.pageToken) : undefined;
  return toPage(await fetch({ limit: limit + 1, afterSeq }), limit);
}
