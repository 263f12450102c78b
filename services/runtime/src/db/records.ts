import type { Knex } from "knex";
import { isUniqueViolation } from "./knex.js";

type Row = Record<string, unknown>;

/**
 * The shapes every service's store repeats over its own tables: optional
 * equality filters, keyset pages in insertion order, one row or none, an
 * insert refused by a named unique rule, a patch of the fields that changed.
 * Each store still names its own table, columns and constraints.
 */

/**
 * What a list query returns one page of: at most `limit` rows after the row with
 * seq `afterSeq` in the list's order (a larger seq; a smaller one in a newest-first list).
 */
export interface SeqWindow {
  limit: number;
  afterSeq?: string;
}

/** Adds `column = value` for each filter given; an unset filter (undefined or "") matches everything. */
export function whereGiven<Q extends Knex.QueryBuilder>(query: Q, filters: Record<string, string | undefined>): Q {
  for (const [column, value] of Object.entries(filters)) if (value) void query.where(column, value);
  return query;
}

/** One keyset page of `query` in insertion order (the `seq` column): rows after `afterSeq`, at most `limit`. */
export function seqPage<Q extends Knex.QueryBuilder>(query: Q, window: SeqWindow): Q {
  if (window.afterSeq) void query.where("seq", ">", window.afterSeq);
  return query.orderBy("seq").limit(window.limit) as Q;
}

/** The first row of `query` as a record, or undefined when there is none. */
export async function firstRecord<T, R = Row>(query: Knex.QueryBuilder, toRecord: (row: R) => T): Promise<T | undefined> {
  const row = (await query.first()) as R | undefined;
  return row ? toRecord(row) : undefined;
}

/**
 * Runs an insert; when it breaks one of the unique rules named in `refusals`
 * (constraint → outcome), returns that outcome ("name_taken") instead of throwing.
 */
export async function insertUnlessTaken<T, const R extends string>(insert: () => Promise<T>, refusals: Record<string, R>): Promise<T | R> {
  try {
    return await insert();
  } catch (error) {
    for (const [constraint, outcome] of Object.entries(refusals)) if (isUniqueViolation(error, constraint)) return outcome;
    throw error;
  }
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A record's changed fields as a column patch (camelCase field → snake_case column); undefined fields are left out. */
export function changedColumns(changes: object): Row {
  const patch: Row = {};
  for (const [key, value] of Object.entries(changes)) if (value !== undefined) patch[snakeCase(key)] = value;
  return patch;
}
