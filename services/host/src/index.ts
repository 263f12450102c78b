export { startHost } from "./host.js";
export type { RunningHost } from "./host.js";
export {
  hostConfigSchema,
  resolveConfig,
  readConfigFile,
  configFromEnv,
  parseListen,
  parseServices,
  ConfigError,
  SERVICE_NAMES,
  IMPLEMENTED_SERVICES,
  ENV_KEYS,
} from "./config.js";
export type { HostConfig, HostConfigInput, ServiceName } from "./config.js";
export { loadOrCreateDevCredentials } from "./dev-credentials.js";
export {
  berthHome,
  readDevCredentials,
  readDevServerInfo,
  writeDevServerInfo,
  clearDevServerInfo,
} from "./dev-home.js";
export type { DevCredentials, DevServerInfo } from "./dev-home.js";
export { startEmbeddedPostgres, embeddedPostgresDir } from "./embedded-postgres.js";
export { devStatePaths, resetDevHome } from "./dev-reset.js";
export type { EmbeddedPostgresHandle } from "./embedded-postgres.js";
export { loadProviderPlugins } from "./plugins.js";
export { AUTHORIZATION_TABLE, ROLE_NAMES, ruleOf } from "./access/index.js";
export type { MethodRule, RecordKind, RoleName, ScopeRule } from "./access/index.js";
