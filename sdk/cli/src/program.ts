import { Command, Option } from "commander";
import { dependencyCommand } from "./commands/dependency.js";
import { providerCommand } from "./commands/provider.js";
import { devCommand, serveCommand } from "./commands/server.js";

export function buildProgram(): Command {
  const program = new Command("berth")
    .description("Berth: provision, import, bind and back up the databases and services your apps depend on")
    .version("0.1.0")
    .option("--server <host:port>", "Berth server (env BERTH_SERVER; default: the running `berth dev`)")
    .option("--token <token>", "bearer token (env BERTH_TOKEN; default: the dev server's admin token)")
    .option("--tls", "connect with TLS", false)
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 failed, 2 invalid input, 3 not found, 4 already exists, 5 blocked by a precondition,
            6 not authenticated/allowed, 7 server unavailable.

Start here:
  $ pnpm berth dev &                                  # all services, embedded Postgres, nothing to install
  $ pnpm berth dependency provision --kind postgres --project prj_demo --environment env_dev --name app-db --wait
  $ pnpm berth dependency list`,
    );
  program.addCommand(dependencyCommand());
  program.addCommand(providerCommand());
  program.addCommand(devCommand());
  program.addCommand(serveCommand());
  applyToAll(program, (command) => command.exitOverride().showHelpAfterError("(run with --help for usage)"));
  return program;
}

/** addCommand() does not pass settings down, so apply them to every command. */
function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAll(sub, apply);
}
