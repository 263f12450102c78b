import { Command, Option, type ParseOptionsResult } from "commander";
import { auditCommand } from "./commands/audit.js";
import { dependencyCommand } from "./commands/dependency.js";
import { deployCommand, previewCommand } from "./commands/deploy.js";
import { deploymentCommand } from "./commands/deployment.js";
import { providerCommand } from "./commands/provider.js";
import { realizationTargetCommand } from "./commands/realization-target.js";
import { resourceCommand } from "./commands/resource.js";
import { runtimeTargetCommand } from "./commands/runtime-target.js";
import { devCommand, serveCommand } from "./commands/server.js";
import { tokenCommand } from "./commands/token.js";

export function buildProgram(): Command {
  const program = new BerthProgram("berth")
    .description("Berth: provision, import, bind and back up the databases and services your apps depend on")
    .version("0.1.0")
    .option("--api <host:port>", "Berth API address (env BERTH_API; default: the running `berth dev`)")
    // `--server` names a runtime target; given where only the API address could be meant it is refused with a pointer to --api.
    .addOption(new Option("--server <value>").hideHelp())
    .option("--token <token>", "bearer token (env BERTH_TOKEN; default: the dev server's admin token)")
    .option("--tls", "connect with TLS (system CA roots)", false)
    .option("--ca-file <pem>", "connect with TLS, trusting this CA (env BERTH_CA_FILE)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
The API address: --api HOST:PORT, else $BERTH_API, else the running \`berth dev\` ($BERTH_SERVER still works,
with a deprecation notice). --server always names a runtime target (srv_… or a server name).

Exit codes: 0 ok, 1 failed, 2 invalid input, 3 not found, 4 already exists, 5 blocked by a precondition,
            6 not authenticated/allowed, 7 server unavailable.

Start here:
  $ pnpm berth dev &                                  # all services, embedded Postgres, nothing to install
  $ pnpm berth dependency provision --kind postgres --project prj_demo --environment env_dev --name app-db --wait
  $ pnpm berth dependency list
  $ pnpm berth resource create --project prj_demo --environment env_dev --name web --command "node app.js" --env PORT=8080
  $ pnpm berth resource dependency bind res_… --dependency dep_… --target DATABASE_URL
  $ pnpm berth server create --name local --kind local-process
  $ pnpm berth deployments create --resource res_… --server local --wait`,
    );
  // In this order in the help.
  const commands = [
    dependencyCommand(),
    resourceCommand(),
    runtimeTargetCommand(),
    deploymentCommand(),
    deployCommand(),
    previewCommand(),
    providerCommand(),
    realizationTargetCommand(),
    tokenCommand(),
    auditCommand(),
    devCommand(),
    serveCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  applyToAll(program, (command) => command.exitOverride().showHelpAfterError("(run with --help for usage)"));
  return program;
}

/** addCommand() does not pass settings down, so apply them to every command. */
function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAll(sub, apply);
}

/**
 * Commander lets the program claim its options anywhere on the line, so
 * `deployments plan --server local` would reach the program's hidden --server
 * (refused: the API address is --api) and `rotate-secret --version 3` would
 * print the CLI version. A program option that the invoked subcommand also
 * defines is therefore left to the subcommand when written after it; written
 * before it, it stays global.
 */
class BerthProgram extends Command {
  override parseOptions(argv: string[]): ParseOptionsResult {
    let leaf: Command | undefined;
    let at = -1;
    for (let i = 0; i < argv.length && argv[i] !== "--"; i++) {
      const sub = (leaf ?? this).commands.find((c) => c.name() === argv[i] || c.aliases().includes(argv[i]));
      if (sub) [leaf, at] = [sub, i];
      else if (leaf) break;
    }
    const shadowed = !leaf ? [] : leaf.options.filter((o) => o.long && this.options.some((p) => p.long === o.long));
    if (shadowed.length === 0) return super.parseOptions(argv);
    const kept = argv.slice(0, at + 1);
    const moved: string[] = [];
    for (let i = at + 1; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === "--") {
        kept.push(...argv.slice(i));
        break;
      }
      const option = shadowed.find((o) => arg === o.long || arg.startsWith(`${o.long}=`));
      if (!option) kept.push(arg);
      else if (arg === option.long && i + 1 < argv.length && (option.required || (option.optional && !argv[i + 1].startsWith("-")))) moved.push(arg, argv[++i]);
      else moved.push(arg);
    }
    const parsed = super.parseOptions(kept);
    return { operands: parsed.operands, unknown: [...moved, ...parsed.unknown] };
  }
}
