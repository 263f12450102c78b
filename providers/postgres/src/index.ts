export { postgresProvider } from "./provider.js";
export { objectNameFor } from "./names.js";
