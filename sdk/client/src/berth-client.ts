import { AccessServiceService } from "./gen/berth/access/v1/access_service.js";
import { BackupInternalServiceService } from "./gen/berth/backup/v1/backup_internal_service.js";
import { BackupServiceService } from "./gen/berth/backup/v1/backup_service.js";
import { BindingInternalServiceService } from "./gen/berth/binding/v1/binding_internal_service.js";
import { BindingServiceService } from "./gen/berth/binding/v1/binding_service.js";
import { DependencyInternalServiceService } from "./gen/berth/dependency/v1/dependency_internal_service.js";
import { DependencyServiceService } from "./gen/berth/dependency/v1/dependency_service.js";
import { DeploymentInternalServiceService } from "./gen/berth/deployment/v1/deployment_internal_service.js";
import { DeploymentServiceService } from "./gen/berth/deployment/v1/deployment_service.js";
import { ProviderServiceService } from "./gen/berth/provider/v1/provider.js";
import type { Dependency } from "./gen/berth/dependency/v1/dependency.js";
import { isBerthApiError } from "./errors.js";
import { createChannel, createPromiseClient, type ConnectionOptions, type PromiseClient } from "./typed-client.js";

/** Typed clients for every Berth service over one channel. `…Internal` clients need the internal service token. */
export interface BerthClient {
  dependency: PromiseClient<typeof DependencyServiceService>;
  dependencyInternal: PromiseClient<typeof DependencyInternalServiceService>;
  providers: PromiseClient<typeof ProviderServiceService>;
  binding: PromiseClient<typeof BindingServiceService>;
  bindingInternal: PromiseClient<typeof BindingInternalServiceService>;
  deployment: PromiseClient<typeof DeploymentServiceService>;
  deploymentInternal: PromiseClient<typeof DeploymentInternalServiceService>;
  backup: PromiseClient<typeof BackupServiceService>;
  backupInternal: PromiseClient<typeof BackupInternalServiceService>;
  /** Tokens and the audit log. */
  access: PromiseClient<typeof AccessServiceService>;
  close(): void;
}

/**
 * @example
 * const berth = createBerthClient({ address: "127.0.0.1:7070", token: process.env.BERTH_TOKEN! });
 * const { dependency } = await berth.dependency.getDependency({ id: "dep_7Hq…" });
 */
export function createBerthClient(options: ConnectionOptions): BerthClient {
  const channel = createChannel(options);
  const client = <D extends Parameters<typeof createPromiseClient>[0]>(definition: D) => createPromiseClient(definition, channel, options);
  return {
    dependency: client(DependencyServiceService),
    dependencyInternal: client(DependencyInternalServiceService),
    providers: client(ProviderServiceService),
    binding: client(BindingServiceService),
    bindingInternal: client(BindingInternalServiceService),
    deployment: client(DeploymentServiceService),
    deploymentInternal: client(DeploymentInternalServiceService),
    backup: client(BackupServiceService),
    backupInternal: client(BackupInternalServiceService),
    access: client(AccessServiceService),
    close: () => channel.close(),
  };
}

/** A dependency by id, or undefined when the dependency service says it does not exist. */
export async function findDependency(client: BerthClient, id: string): Promise<Dependency | undefined> {
  try {
    return (await client.dependency.getDependency({ id })).dependency;
  } catch (error) {
    if (isBerthApiError(error) && error.reason === "dependency_not_found") return undefined;
    throw error;
  }
}
