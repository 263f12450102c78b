import { createInterface } from "node:readline/promises";
import { CliError } from "./output.js";

export interface Confirmation {
  /** What is about to happen, shown above the prompt: "delete dependency app-db (dep_…)". */
  action: string;
  /** Lines that say what the change destroys or cannot undo. */
  warning?: string;
  /** The answer besides "y"/"yes" that confirms: the record's name or id. */
  name: string;
  /** The flag that also needs to be given non-interactively, as printed in the refusal. */
  command: string;
}

/**
 * Destructive commands ask before they change anything. `--yes` skips the
 * question for scripts; without it, on a terminal the user types the name (or
 * y), and with no terminal to ask on the command refuses (exit 2) instead of
 * guessing. Returns only when confirmed.
 */
export async function confirmDestructive(yes: boolean, confirmation: Confirmation): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) {
    throw new CliError(
      `refusing to ${confirmation.action} without confirmation: stdin is not a terminal, so there is no one to ask. Re-run with --yes to confirm (${confirmation.command} --yes); nothing was changed`,
      "confirmation_required"
    );
  }
  if (confirmation.warning) process.stderr.write(`${confirmation.warning}\n`);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await prompt.question(`About to ${confirmation.action}. Type ${confirmation.name} (or y) to confirm: `)).trim();
    if (answer === confirmation.name || /^y(es)?$/i.test(answer)) return;
  } finally {
    prompt.close();
  }
  throw new CliError(`not confirmed: did not ${confirmation.action}; nothing was changed`, "confirmation_declined");
}
