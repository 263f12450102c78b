export { buildProgram } from "./program.js";
export { CLI_REASONS, EXIT, exitCodeFor, exitCodeForReason } from "./exit-codes.js";
export type { CliReason } from "./exit-codes.js";
