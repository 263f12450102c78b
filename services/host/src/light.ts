// What the client CLI needs from the host package on every call, without loading the
// services, providers and database drivers: `@berth/host/light`. Keep it free of heavy imports.
export { berthHome, readDevCredentials, readDevServerInfo } from "./dev-home.js";
export type { DevCredentials, DevServerInfo } from "./dev-home.js";
export { SERVICE_NAMES, IMPLEMENTED_SERVICES } from "./service-names.js";
export type { ServiceName } from "./service-names.js";
