export { mysqlProvider } from "./provider.js";
export { objectNameFor } from "./names.js";
export { BACKUP_FORMAT, DUMP_OPTIONS } from "./dump.js";
