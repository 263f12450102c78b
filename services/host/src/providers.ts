import { clickhouseProvider } from "@berth/provider-clickhouse";
import { mysqlProvider } from "@berth/provider-mysql";
import { objectStorageProvider } from "@berth/provider-object-storage";
import { opensearchProvider } from "@berth/provider-opensearch";
import { postgresProvider } from "@berth/provider-postgres";
import { redisProvider } from "@berth/provider-redis";
import type { Provider } from "@berth/provider-sdk";

/**
 * The providers every Berth ships with, one per built-in kind. Plugins from the
 * config come after them; a plugin for a built-in kind never replaces ours.
 */
export const BUILT_IN_PROVIDERS: readonly Provider[] = [postgresProvider, redisProvider, mysqlProvider, clickhouseProvider, objectStorageProvider, opensearchProvider];
