export { createBerthClient, findDependency } from "./berth-client.js";
export type { BerthClient } from "./berth-client.js";
export { createPromiseClient, createChannel } from "./typed-client.js";
export type { PromiseClient, ConnectionOptions, CallOverrides, ResponseStream, GeneratedMethodDefinition, GeneratedServiceDefinition, RequestOf, ResponseOf } from "./typed-client.js";
export { BerthApiError, isBerthApiError, decodeServiceError, encodeErrorDetails, STATUS_DETAILS_KEY } from "./errors.js";
export type { BerthErrorDetails, FieldViolation } from "./errors.js";
export { ERROR_DOMAIN, EXIT, REASON_TABLE, reasonCode, reasonMapping, reasonMappingByCode, grpcCodeFor, exitCodeForStatus, ErrorReason } from "./reasons.js";
export type { ExitCode, ReasonMapping } from "./reasons.js";
export { descriptorSetPath } from "./descriptors.js";
export { plainJson, enumWord } from "./plain-json.js";
export {
  berthHome,
  readDevCredentials,
  writeDevCredentials,
  readDevServerInfo,
  writeDevServerInfo,
  clearDevServerInfo,
  DEV_HOME_FILES,
  type DevCredentials,
  type DevServerInfo,
} from "./dev-home.js";
export { SERVICE_NAMES, IMPLEMENTED_SERVICES, type ServiceName } from "./service-names.js";

export {
  ConnectionVerification,
  connectionVerificationToJSON,
  DataClass,
  dataClassFromJSON,
  dataClassToJSON,
  Dependency,
  DependencySource,
  DependencyStatus,
  dependencySourceToJSON,
  dependencySourceFromJSON,
  dependencyStatusToJSON,
  dependencyStatusFromJSON,
} from "./gen/berth/dependency/v1/dependency.js";
export { ProviderServiceService, type RealizationTargetInfo } from "./gen/berth/provider/v1/provider.js";
export {
  DependencyServiceService,
  type DependencyServiceServer,
  type ProvisionDependencyRequest,
  type ImportDependencyRequest,
  type ListDependenciesRequest,
  DeleteDependencyResponse,
  type WatchDependencyResponse,
} from "./gen/berth/dependency/v1/dependency_service.js";
export {
  DependencyInternalServiceService,
  type DependencyInternalServiceServer,
} from "./gen/berth/dependency/v1/dependency_internal_service.js";
export { Provenance, ProvenanceSource, provenanceSourceToJSON, provenanceSourceFromJSON } from "./gen/berth/common/v1/provenance.js";
export { DependencyReference } from "./gen/berth/common/v1/scope.js";
export { Binding, BindingStatus, bindingStatusToJSON } from "./gen/berth/binding/v1/binding.js";
export { BindingServiceService, RotateBindingSecretResponse } from "./gen/berth/binding/v1/binding_service.js";
export { BindingInternalServiceService } from "./gen/berth/binding/v1/binding_internal_service.js";
export {
  Deployment,
  DeploymentEvent,
  DeploymentEventType,
  DeploymentStatus,
  InjectionBlockedReason,
  Resource,
  RuntimeInjectionReadiness,
  RuntimeInjectionState,
  RuntimeTarget,
  SnapshotBinding,
  type BindingInjectionState,
  deploymentStatusFromJSON,
  deploymentStatusToJSON,
  deploymentEventTypeToJSON,
  injectionBlockedReasonToJSON,
  runtimeInjectionStateToJSON,
} from "./gen/berth/deployment/v1/deployment.js";
export { DeploymentServiceService, GetDeploymentLogsResponse, PlanDeploymentResponse, PlanWarning } from "./gen/berth/deployment/v1/deployment_service.js";
export { DeploymentInternalServiceService } from "./gen/berth/deployment/v1/deployment_internal_service.js";
export {
  Backup,
  BackupManifest,
  ContentCount,
  BackupAttempt,
  BackupAttemptOutcome,
  BackupPolicy,
  backupAttemptOutcomeToJSON,
  BackupKind,
  BackupStatus,
  BackupTrigger,
  Restore,
  RestoreStatus,
  backupKindToJSON,
  backupStatusFromJSON,
  backupStatusToJSON,
  backupTriggerToJSON,
  restoreStatusFromJSON,
  restoreStatusToJSON,
} from "./gen/berth/backup/v1/backup.js";
export { BackupServiceService } from "./gen/berth/backup/v1/backup_service.js";
export { Drill, DrillCheck, DrillStatus, drillStatusToJSON } from "./gen/berth/backup/v1/drill.js";
export {
  DataReadiness,
  DataReadinessBackup,
  DataReadinessDrill,
  DataReadinessIssue,
  DataReadinessPolicy,
  DataReadinessVerdict,
  dataReadinessVerdictToJSON,
} from "./gen/berth/backup/v1/data_readiness.js";
export { BackupInternalServiceService } from "./gen/berth/backup/v1/backup_internal_service.js";
export { DATA_CLASS_NAMES, dataClassName, dataClassFromName } from "./data-class.js";
export type { DataClassName } from "./data-class.js";
export {
  AccessServiceService,
  AuditRecord,
  AuditChainProblem,
  Role,
  roleFromJSON,
  roleToJSON,
  Token,
} from "./gen/berth/access/v1/access_service.js";
