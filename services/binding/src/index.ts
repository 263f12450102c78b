export { createBindingService } from "./service.js";
export type { BindingService, BindingServiceOptions } from "./service.js";
export { SCHEMA as BINDING_SCHEMA } from "./migrations.js";
