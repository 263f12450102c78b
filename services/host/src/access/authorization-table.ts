import type { Requirement } from "./roles.js";

/** A kind of record whose project and environment the edge can look up by id. */
export type RecordKind = "dependency" | "binding" | "resource" | "deployment" | "backup" | "restore" | "policy" | "drill";

/**
 * How the edge finds the scope of a request:
 * - `global`: the call touches no project's records (runtime targets, providers, tokens, audit chain);
 * - `request`: the request's project_id/environment_id (creates);
 * - `records`: each named request field that is set holds the id of a record of that kind, whose scope is looked up;
 * - `list`: the request's filters may name records (looked up as with `records`); the response keeps only records in scope.
 * A call may combine `request` and `records` (bind names a project, a resource and a dependency).
 */
export interface ScopeRule {
  global?: true;
  request?: true;
  records?: Readonly<Record<string, RecordKind>>;
  list?: true;
}

export interface MethodRule {
  /** The least role that may call it; "internal": only the internal service credential. */
  role: Requirement;
  /** Mutations are audited (attempt before, outcome after) and fail when the audit cannot be written. */
  isMutation: boolean;
  scope: ScopeRule;
  /**
   * A public RPC one Berth service calls on another (with the internal service token).
   * The internal token is refused on every other public RPC: it opens internal RPCs and
   * these, never the whole API.
   */
  serviceCall?: true;
}

const read = (role: Requirement, scope: ScopeRule): MethodRule => ({ role, isMutation: false, scope });
const write = (role: Requirement, scope: ScopeRule): MethodRule => ({ role, isMutation: true, scope });

const DEP = { id: "dependency" } as const;
const BY_DEPENDENCY = { dependency_id: "dependency" } as const;
const INTERNAL = read("internal", { global: true });
/** Marks a rule as one services call on each other (see MethodRule.serviceCall). */
const byServices = (rule: MethodRule): MethodRule => ({ ...rule, serviceCall: true });

/**
 * THE authorization table: every RPC of every Berth service → the least role it
 * needs and how to find the scope of its request. The edge decides every call from
 * this table alone; `authorization-table.test.ts` fails when an RPC in the proto
 * descriptors has no entry.
 */
export const AUTHORIZATION_TABLE: Readonly<Record<string, MethodRule>> = {
  // Dependencies
  "/berth.dependency.v1.DependencyService/ProvisionDependency": byServices(write("operator", { request: true })),
  "/berth.dependency.v1.DependencyService/ImportDependency": write("operator", { request: true }),
  "/berth.dependency.v1.DependencyService/GetDependency": byServices(read("viewer", { records: DEP })),
  "/berth.dependency.v1.DependencyService/BatchGetDependencies": byServices(read("viewer", { list: true })),
  "/berth.dependency.v1.DependencyService/ListDependencies": read("viewer", { list: true }),
  "/berth.dependency.v1.DependencyService/DeleteDependency": byServices(write("operator", { records: DEP })),
  "/berth.dependency.v1.DependencyService/CheckDependencyDelete": read("viewer", { records: DEP }),
  // A probe logs in with the stored credentials and records the result: a change, audited.
  "/berth.dependency.v1.DependencyService/ProbeDependency": write("operator", { records: DEP }),
  "/berth.dependency.v1.DependencyService/UpdateDependency": write("operator", { records: DEP }),
  "/berth.dependency.v1.DependencyService/UpdateDependencyConnection": write("operator", { records: DEP }),
  "/berth.dependency.v1.DependencyService/RotateConnectionSecret": write("operator", { records: DEP }),
  "/berth.dependency.v1.DependencyService/WatchDependency": read("viewer", { records: DEP }),
  "/berth.dependency.v1.DependencyInternalService/ResolveConnectionSecret": INTERNAL,
  "/berth.dependency.v1.DependencyInternalService/BatchResolveConnectionSecrets": INTERNAL,
  "/berth.dependency.v1.DependencyInternalService/CheckConnectionSecrets": INTERNAL,
  // The catalog of what this server can provision (plugin names, kinds, capabilities; target names, never their
  // admin URLs): no project's data, and berth.yaml deploy checks its kinds against it, so any token may read it.
  // The deployment service asks it which kinds a runtime target may inject (the providers' manifests).
  "/berth.provider.v1.ProviderService/ListProviders": byServices(read("viewer", { global: true })),
  "/berth.provider.v1.ProviderService/ListRealizationTargets": read("viewer", { global: true }),

  // Bindings
  "/berth.binding.v1.BindingService/BindDependency": write("deployer", { request: true, records: { resource_id: "resource", dependency_id: "dependency" } }),
  "/berth.binding.v1.BindingService/UnbindDependency": write("deployer", { records: { id: "binding" } }),
  "/berth.binding.v1.BindingService/GetBinding": byServices(read("viewer", { records: { id: "binding" } })),
  "/berth.binding.v1.BindingService/ListBindings": read("viewer", { list: true, records: { resource_id: "resource", dependency_id: "dependency" } }),
  "/berth.binding.v1.BindingService/RotateBindingSecret": write("deployer", { records: { id: "binding" } }),
  "/berth.binding.v1.BindingInternalService/ListDependencyReferences": INTERNAL,
  "/berth.binding.v1.BindingInternalService/ListActiveBindings": INTERNAL,

  // Resources, runtime targets, deployments
  // berth.yaml deploy creates and removes resources: part of deploying.
  "/berth.deployment.v1.DeploymentService/CreateResource": write("deployer", { request: true }),
  "/berth.deployment.v1.DeploymentService/GetResource": byServices(read("viewer", { records: { id: "resource" } })),
  "/berth.deployment.v1.DeploymentService/ListResources": read("viewer", { list: true }),
  "/berth.deployment.v1.DeploymentService/DeleteResource": write("deployer", { records: { id: "resource" } }),
  // A local-process target runs commands on the Berth host: only admins create or remove targets.
  "/berth.deployment.v1.DeploymentService/CreateRuntimeTarget": write("admin", { global: true }),
  "/berth.deployment.v1.DeploymentService/GetRuntimeTarget": read("viewer", { global: true }),
  "/berth.deployment.v1.DeploymentService/ListRuntimeTargets": read("viewer", { global: true }),
  "/berth.deployment.v1.DeploymentService/DeleteRuntimeTarget": write("admin", { global: true }),
  "/berth.deployment.v1.DeploymentService/PlanDeployment": read("viewer", { records: { resource_id: "resource" } }),
  "/berth.deployment.v1.DeploymentService/CreateDeployment": write("deployer", { records: { resource_id: "resource" } }),
  "/berth.deployment.v1.DeploymentService/GetDeployment": byServices(read("viewer", { records: { id: "deployment" } })),
  "/berth.deployment.v1.DeploymentService/ListDeployments": read("viewer", { list: true, records: { resource_id: "resource" } }),
  "/berth.deployment.v1.DeploymentService/ListDeploymentEvents": read("viewer", { list: true, records: { resource_id: "resource", deployment_id: "deployment" } }),
  "/berth.deployment.v1.DeploymentService/StopDeployment": write("deployer", { records: { id: "deployment" } }),
  "/berth.deployment.v1.DeploymentService/WatchDeployment": read("viewer", { records: { id: "deployment" } }),
  "/berth.deployment.v1.DeploymentService/GetDeploymentLogs": read("viewer", { records: { id: "deployment" } }),
  "/berth.deployment.v1.DeploymentInternalService/ListDependencyReferences": INTERNAL,

  // Backups, restores, policies, drills
  "/berth.backup.v1.BackupService/CreateBackup": write("operator", { records: BY_DEPENDENCY }),
  "/berth.backup.v1.BackupService/GetBackup": byServices(read("viewer", { records: { id: "backup" } })),
  "/berth.backup.v1.BackupService/ListBackups": read("viewer", { list: true, records: BY_DEPENDENCY }),
  "/berth.backup.v1.BackupService/DeleteBackup": write("operator", { records: { id: "backup" } }),
  // Restore into a new dependency also names the new one's project and environment (to_new).
  "/berth.backup.v1.BackupService/RestoreBackup": write("operator", { request: true, records: { backup_id: "backup" } }),
  "/berth.backup.v1.BackupService/GetRestore": byServices(read("viewer", { records: { id: "restore" } })),
  "/berth.backup.v1.BackupService/ListRestores": read("viewer", { list: true, records: { dependency_id: "dependency", backup_id: "backup" } }),
  "/berth.backup.v1.BackupService/CancelBackup": write("operator", { records: { id: "backup" } }),
  "/berth.backup.v1.BackupService/CancelRestore": write("operator", { records: { id: "restore" } }),
  "/berth.backup.v1.BackupService/ConfigureBackupPolicy": write("operator", { records: BY_DEPENDENCY }),
  "/berth.backup.v1.BackupService/GetBackupPolicy": byServices(read("viewer", { records: { id: "policy", dependency_id: "dependency" } })),
  "/berth.backup.v1.BackupService/ListBackupPolicies": read("viewer", { list: true, records: BY_DEPENDENCY }),
  "/berth.backup.v1.BackupService/ListBackupAttempts": read("viewer", { list: true, records: { policy_id: "policy", dependency_id: "dependency" } }),
  "/berth.backup.v1.BackupService/WatchBackup": read("viewer", { records: { id: "backup" } }),
  "/berth.backup.v1.BackupService/WatchRestore": read("viewer", { records: { id: "restore" } }),
  "/berth.backup.v1.BackupService/GetDataReadiness": byServices(read("viewer", { records: BY_DEPENDENCY })),
  "/berth.backup.v1.BackupService/VerifyBackup": write("operator", { records: { backup_id: "backup" } }),
  "/berth.backup.v1.BackupService/GetDrill": byServices(read("viewer", { records: { id: "drill" } })),
  "/berth.backup.v1.BackupService/ListDrills": read("viewer", { list: true, records: BY_DEPENDENCY }),
  "/berth.backup.v1.BackupService/WatchDrill": read("viewer", { records: { id: "drill" } }),
  "/berth.backup.v1.BackupInternalService/ListDependencyReferences": INTERNAL,

  // Tokens and audit
  "/berth.access.v1.AccessService/CreateToken": write("admin", { global: true }),
  "/berth.access.v1.AccessService/GetToken": read("admin", { global: true }),
  "/berth.access.v1.AccessService/ListTokens": read("admin", { global: true }),
  "/berth.access.v1.AccessService/RevokeToken": write("admin", { global: true }),
  // Operators read the audit records of their own projects; the list keeps only those.
  "/berth.access.v1.AccessService/ListAuditRecords": read("operator", { list: true }),
  "/berth.access.v1.AccessService/VerifyAuditLog": read("admin", { global: true }),
};

/** The rule of an RPC; undefined means no entry, which the edge refuses (fail closed). */
export function ruleOf(rpc: string): MethodRule | undefined {
  return AUTHORIZATION_TABLE[rpc];
}
