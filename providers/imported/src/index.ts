export { importedProvider, IMPORTABLE_KINDS } from "./provider.js";
