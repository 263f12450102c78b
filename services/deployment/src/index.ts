export { createDeploymentService } from "./service.js";
export type { DeploymentService, DeploymentServiceOptions } from "./service.js";
export { SCHEMA as DEPLOYMENT_SCHEMA } from "./migrations.js";
export type { WorkloadUser } from "./runtime/runtime-target.js";
