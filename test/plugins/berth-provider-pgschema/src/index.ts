/**
 * @acme/berth-provider-pgschema: a third-party Berth provider. Berth loads it by
 * package name (`providers: ["@acme/berth-provider-pgschema"]`) and reads the
 * module's `provider` export.
 */
export { pgSchemaProvider as provider, pgSchemaProvider, manifest } from "./provider.js";
export { KIND } from "./connection.js";
export { BACKUP_FORMAT } from "./backup.js";
export { objectNameFor } from "./realize.js";
