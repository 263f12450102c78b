export { PROVIDER_SDK_VERSION, PROVIDER_SDK_MAJOR, isSdkVersionCompatible } from "./version.js";
export { ProviderError, isProviderError } from "./errors.js";
export type { ProviderErrorCode, ProviderErrorOptions } from "./errors.js";
export { credentialsOfUrl, maskConnectionUrl, maskSafeMetadata, redactSecrets, secretPartsOfUrl } from "./masking.js";
export { validateProviderModule } from "./plugin.js";
export { defineProvider } from "./define-provider.js";
export type { ProviderIdentity, ProviderVerbs } from "./define-provider.js";
export type {
  Provider,
  ProviderManifest,
  ProviderCapabilities,
  RealizationTarget,
  SafeMetadata,
  OperationContext,
  RealizeRequest,
  RealizeResult,
  ReleaseRequest,
  ProbeRequest,
  LeftoversRequest,
  BackupRequest,
  BackupResult,
  RestoreRequest,
  DescribeContentRequest,
  ConnectionDescription,
} from "./provider.js";
export { dependencyObjectName } from "./names.js";
export { postgresScramVerifier } from "./postgres/scram.js";
export { postgresToolConnection, postgresToolVersion } from "./postgres/client-tools.js";
export type { ObjectNameOptions } from "./names.js";
export { spawnTool } from "./child-process.js";
export { createSpool } from "./spool.js";
export type { Spool } from "./spool.js";
export { CONTENT_UNITS, contentStats } from "./manifest.js";
export type { BackupManifest, ContentEntry, ContentScope, ContentStats } from "./manifest.js";
export { compareContent } from "./content-compare.js";
export type { ContentCheck } from "./content-compare.js";
export { refuseNewerVersion, versionNumbers } from "./restore-compatibility.js";
export type { VersionPrecision, VersionRule } from "./restore-compatibility.js";
export { ByteReader } from "./byte-reader.js";
export { FRAME_CHUNK, FRAMES_MAGIC, FrameEncoder, FrameReader } from "./framed-records.js";
export type { Frame } from "./framed-records.js";
export {
  BUILT_IN_CONNECTION_URL_RULES,
  builtInConnectionUrlRule,
  clickhouseUrlRule,
  connectionDescriber,
  mysqlUrlRule,
  objectStorageUrlRule,
  opensearchUrlRule,
  postgresUrlRule,
  redisUrlRule,
  describeConnectionUrl,
  hostPort,
  invalidConnectionUrl,
  parseConnectionUrl,
} from "./connection-url/index.js";
export type { ConnectionUrlRule, ParsedConnectionUrl } from "./connection-url/index.js";
