export { clickhouseProvider } from "./provider.js";
export { CLICKHOUSE_FORMAT } from "./dump-format.js";
