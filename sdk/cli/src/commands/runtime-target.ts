import { Command } from "commander";
import { printRuntimeTarget, printRuntimeTargetList } from "../present-deployment.js";
import { deleteCommand, listCommand, recordCommand, requestId, requestIdOption, showCommand } from "./common.js";
import { RECORDS } from "./records.js";

/** `berth server …`: the runtime targets resources are deployed onto. */
export function runtimeTargetCommand(): Command {
  const server = new Command("server")
    .alias("servers")
    .description("register, list, show and delete servers (runtime targets) that resources are deployed onto");

  server.addCommand(
    recordCommand({
      name: "create",
      description: "register a server",
      options: (command) =>
        command
          .requiredOption("--name <name>", "unique name, e.g. local")
          .requiredOption(
            "--kind <kind>",
            "local-process (runs the command as a child process of the deployment service; delivers dependency secrets) or static (serves the resource's --cwd over HTTP on its PORT; runs no code, so cannot deliver secrets)",
          )
          .addOption(requestIdOption()),
      examples: ["berth server create --name local --kind local-process", "berth server create --name dry-run --kind static -o json"],
      run: async (client, flags: { name: string; kind: string; requestId?: string }) => {
        const { runtimeTarget } = await client.deployment.createRuntimeTarget({
          requestId: requestId(flags),
          name: flags.name,
          kind: flags.kind,
          // Decided by the server from the kind; shown on the result.
          canDeliverDependencySecrets: false,
        });
        return runtimeTarget;
      },
      print: printRuntimeTarget,
    }),
  );

  server.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list servers",
      options: (command) => command.option("--kind <kind>", "only this kind").option("--name <name>", "only the server with this exact name"),
      examples: ["berth server list", "berth server list --kind local-process -o json"],
      filter: (_client, flags: { kind?: string; name?: string }) => ({ kind: flags.kind ?? "", name: flags.name ?? "" }),
      list: (client, request) => client.deployment.listRuntimeTargets(request),
      items: "runtimeTargets",
      print: printRuntimeTargetList,
    }),
  );

  server.addCommand(
    showCommand(RECORDS.server, {
      alias: "get",
      description: "show one server",
      examples: ["berth server show srv_2Pw…", "berth server show local -o json"],
    }),
  );

  server.addCommand(
    deleteCommand({
      description: "delete a server (refused while a deployment on it is pending, starting or running: stop it first)",
      subject: "server",
      examples: ["berth server delete srv_2Pw…", "berth server delete local"],
      run: async (client, flags, id) => (await client.deployment.deleteRuntimeTarget({ id, requestId: requestId(flags) })).runtimeTarget,
      print: printRuntimeTarget,
    }),
  );

  return server;
}
