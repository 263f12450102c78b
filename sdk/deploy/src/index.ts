export { parseBerthConfig } from "./config/parse.js";
export type { ParseBerthConfigOptions } from "./config/parse.js";
export { loadBerthConfig } from "./config/load.js";
export { BerthConfigError, isBerthConfigError, CONFIG_INVALID, CONFIG_SECRET_VALUE_FORBIDDEN } from "./config/problems.js";
export type { ConfigProblem, ConfigProblemReason } from "./config/problems.js";
export { berthConfigJsonSchema, renderBerthConfigJsonSchema, BERTH_CONFIG_SCHEMA_FILE } from "./config/json-schema.js";
export { BUILT_IN_DEPENDENCY_KINDS, DATA_CLASSES, DEPENDENCY_SOURCES, PREVIEW_LIFECYCLES } from "./config/types.js";
export type {
  BerthConfig,
  RunDeclaration,
  BindDeclaration,
  BackupDeclaration,
  DependencyDeclaration,
  ManagedDependencyDeclaration,
  ExistingDependencyDeclaration,
  DependencyKind,
  DependencySourceDeclaration,
  DataClassDeclaration,
  PreviewLifecycle,
} from "./config/types.js";
export { deploy, DeployError } from "./reconcile/deploy.js";
export type { DeployConfig, DeployPlan, DeployStep } from "./reconcile/deploy.js";
export { planDeploy } from "./reconcile/deploy-plan.js";
export { serverDependencyKinds } from "./reconcile/preconditions.js";
export { applyDeployPlan } from "./reconcile/deploy-apply.js";
export { cleanupPreview, applyCleanupPlan, planCleanup, CleanupBlockedError } from "./reconcile/cleanup.js";
export type { CleanupOptions, CleanupItem, CleanupPlan, CleanupResult } from "./reconcile/cleanup.js";
export { configProvenance, scopedName } from "./reconcile/types.js";
export type {
  Change,
  ChangeSubject,
  DeployOptions,
  DeployResult,
  DeployTarget,
  Kept,
} from "./reconcile/types.js";
