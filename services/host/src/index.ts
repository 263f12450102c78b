export { startHost } from "./host.js";
// The logger startHost takes, so a front end (`berth serve`) makes one without depending on @berth/runtime.
export { createLogger } from "@berth/runtime";
export type { RunningHost } from "./host.js";
export {
  hostConfigSchema,
  resolveConfig,
  readConfigFile,
  configFromEnv,
  parseListen,
  parseServices,
  ConfigError,
  ENV_KEYS,
} from "./config.js";
export type { HostConfig, HostConfigInput } from "./config.js";
export { loadOrCreateDevCredentials } from "./dev-credentials.js";
export { startEmbeddedPostgres, embeddedPostgresDir } from "./embedded-postgres.js";
export { devStatePaths, resetDevHome } from "./dev-reset.js";
export type { EmbeddedPostgresHandle } from "./embedded-postgres.js";
export { loadProviderPlugins } from "./plugins.js";
export { AUTHORIZATION_TABLE, ROLE_NAMES, ruleOf } from "./access/index.js";
export type { MethodRule, RecordKind, RoleName, ScopeRule } from "./access/index.js";
