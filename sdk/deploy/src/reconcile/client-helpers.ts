import { createHash } from "node:crypto";
import { isBerthApiError } from "@berth/client";

/** Every item of a paged List call. */
export async function allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; nextPageToken: string }>): Promise<T[]> {
  const items: T[] = [];
  let token = "";
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.nextPageToken;
  } while (token);
  return items;
}

/**
 * A request id derived from what the call is for, so a deploy killed after
 * sending a create and run again sends the same id and gets the same record
 * back instead of a second one.
 */
export function stableRequestId(...parts: string[]): string {
  return `cfg:${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 40)}`;
}

/** undefined when the API says the record does not exist (reason ends in _not_found). */
export async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isBerthApiError(error) && error.reason.endsWith("_not_found")) return undefined;
    throw error;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
