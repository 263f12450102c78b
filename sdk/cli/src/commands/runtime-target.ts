import { Command } from "commander";
import { EXIT } from "../exit-codes.js";
import { printRuntimeTarget, printRuntimeTargetList } from "../present-deployment.js";
import { addPageOptions, collectPages, examples, requestId, requestIdOption, withClient, type PageFlags } from "./common.js";
import { resolveServer } from "./resolve.js";

/** `berth server …`: the runtime targets resources are deployed onto. */
export function runtimeTargetCommand(): Command {
  const server = new Command("server")
    .alias("servers")
    .description("register, list, show and delete servers (runtime targets) that resources are deployed onto");

  server
    .command("create")
    .description("register a server")
    .requiredOption("--name <name>", "unique name, e.g. local")
    .requiredOption(
      "--kind <kind>",
      "local-process (runs the command as a child process of the deployment service; delivers dependency secrets) or static (serves the resource's --cwd over HTTP on its PORT; runs no code, so cannot deliver secrets)",
    )
    .addOption(requestIdOption())
    .addHelpText("after", examples("berth server create --name local --kind local-process", "berth server create --name dry-run --kind static -o json"))
    .action(
      withClient<{ name: string; kind: string; requestId?: string }>(async (client, flags) => {
        const { runtimeTarget } = await client.deployment.createRuntimeTarget({
          requestId: requestId(flags),
          name: flags.name,
          kind: flags.kind,
          // Decided by the server from the kind; shown on the result.
          canDeliverDependencySecrets: false,
        });
        printRuntimeTarget(runtimeTarget!, flags.output);
        return EXIT.ok;
      }),
    );

  addPageOptions(server.command("list").alias("ls").description("list servers").option("--kind <kind>", "only this kind").option("--name <name>", "only the server with this exact name"))
    .addHelpText("after", examples("berth server list", "berth server list --kind local-process -o json"))
    .action(
      withClient<{ kind?: string; name?: string } & PageFlags>(async (client, flags) => {
        const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
          const page = await client.deployment.listRuntimeTargets({ kind: flags.kind ?? "", name: flags.name ?? "", pageSize, pageToken });
          return { items: page.runtimeTargets, nextPageToken: page.nextPageToken };
        });
        printRuntimeTargetList(items, flags.output, nextPageToken);
        return EXIT.ok;
      }),
    );

  server
    .command("show")
    .alias("get")
    .description("show one server")
    .argument("<server>", "server id (srv_…) or name")
    .addHelpText("after", examples("berth server show srv_2Pw…", "berth server show local -o json"))
    .action(
      withClient(async (client, flags, ref) => {
        const { runtimeTarget } = await client.deployment.getRuntimeTarget({ id: await resolveServer(client, ref) });
        printRuntimeTarget(runtimeTarget!, flags.output);
        return EXIT.ok;
      }),
    );

  server
    .command("delete")
    .alias("rm")
    .description("delete a server (refused while a deployment on it is pending, starting or running: stop it first)")
    .argument("<server>", "server id (srv_…) or name")
    .addOption(requestIdOption())
    .addHelpText("after", examples("berth server delete srv_2Pw…", "berth server delete local"))
    .action(
      withClient<{ requestId?: string }>(async (client, flags, ref) => {
        const { runtimeTarget } = await client.deployment.deleteRuntimeTarget({ id: await resolveServer(client, ref), requestId: requestId(flags) });
        printRuntimeTarget(runtimeTarget!, flags.output);
        return EXIT.ok;
      }),
    );

  return server;
}
