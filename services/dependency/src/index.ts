export { createDependencyService } from "./service.js";
export type { DependencyService, DependencyServiceOptions } from "./service.js";
export type { ReferenceCheck } from "./domain/context.js";
export { SCHEMA as DEPENDENCY_SCHEMA } from "./migrations.js";
export { dependencyTestSupport } from "./store/test-support.js";
