import type { KindSpec } from "../url.js";
import { clickhouseKind } from "./clickhouse.js";
import { mysqlKind } from "./mysql.js";
import { objectStorageKind } from "./object-storage.js";
import { opensearchKind } from "./opensearch.js";
import { postgresKind } from "./postgres.js";
import { redisKind } from "./redis.js";

/** Kinds Berth can import as external connections, in manifest order. */
export const IMPORTABLE_KINDS = ["postgres", "redis", "mysql", "clickhouse", "object-storage", "opensearch"] as const;
export type ImportableKind = (typeof IMPORTABLE_KINDS)[number];

export const KIND_SPECS: Readonly<Record<ImportableKind, KindSpec>> = {
  postgres: postgresKind,
  redis: redisKind,
  mysql: mysqlKind,
  clickhouse: clickhouseKind,
  "object-storage": objectStorageKind,
  opensearch: opensearchKind,
};
