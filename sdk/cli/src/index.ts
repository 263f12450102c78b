export { buildProgram } from "./program.js";
export { EXIT, exitCodeFor } from "./exit-codes.js";
