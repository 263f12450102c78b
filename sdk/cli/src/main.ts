#!/usr/bin/env node
import { CommanderError } from "commander";
import { EXIT } from "./exit-codes.js";
import { reportError, type OutputFormat } from "./output.js";
import { buildProgram } from "./program.js";

// `berth … | head` closes stdout early: that is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const program = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.exitCode = reportError(error, (program.opts().output as OutputFormat) ?? "table");
  }
  // A failed `serve`/`dev` start may leave sockets or timers behind; the command is over.
  process.exit(process.exitCode);
}
