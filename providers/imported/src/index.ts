export { importedProvider } from "./provider.js";
export { IMPORTABLE_KINDS } from "./kinds/index.js";
export type { ImportableKind } from "./kinds/index.js";
