import type { ConnectionUrlRule } from "../parse.js";
import { clickhouseUrlRule } from "./clickhouse.js";
import { mysqlUrlRule } from "./mysql.js";
import { objectStorageUrlRule } from "./object-storage.js";
import { opensearchUrlRule } from "./opensearch.js";
import { postgresUrlRule } from "./postgres.js";
import { redisUrlRule } from "./redis.js";

/** The one URL rule of each built-in kind, in the built-in providers' order. */
export const BUILT_IN_CONNECTION_URL_RULES: readonly ConnectionUrlRule[] = [postgresUrlRule, redisUrlRule, mysqlUrlRule, clickhouseUrlRule, objectStorageUrlRule, opensearchUrlRule];
