import { Command, InvalidArgumentError } from "commander";
import { printResource, printResourceList } from "../present-deployment.js";
import { resourceDependencyCommand } from "./binding.js";
import { deleteCommand, listCommand, provenance, recordCommand, requestId, requestIdOption, showCommand } from "./common.js";
import { RECORDS } from "./records.js";


const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Collects repeated --env KEY=VALUE into a map (a later KEY wins). */
export function collectEnv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  const key = at < 0 ? "" : value.slice(0, at);
  if (!ENV_KEY.test(key)) {
    throw new InvalidArgumentError(`expected KEY=VALUE with KEY a variable name like PORT or LOG_LEVEL (got ${JSON.stringify(at < 0 ? value : key)})`);
  }
  return { ...previous, [key]: value.slice(at + 1) };
}

export function resourceCommand(): Command {
  const resource = new Command("resource")
    .alias("resources")
    .alias("res")
    .description("create, list, show and delete resources: the apps and workers Berth deploys");

  resource.addCommand(
    recordCommand({
      name: "create",
      description: "define a resource (what to run and how to check it); deploy it with `berth deployments create`",
      options: (command) =>
        command
          .requiredOption("--project <id>", "project id, e.g. prj_shop")
          .requiredOption("--environment <id>", "environment id, e.g. env_prod")
          .requiredOption("--name <name>", "unique name in the project and environment, e.g. web")
          .requiredOption("--command <command>", 'shell command that starts the workload, e.g. "node app.js"')
          .option("--cwd <dir>", "absolute working directory the command runs in (default: the Berth server process's)")
          .option(
            "--env <KEY=VALUE>",
            "plain, non-secret environment variable; repeat for more. Shown as-is everywhere: deliver secrets with `berth resource dependency bind`",
            collectEnv,
          )
          .option("--health-url <url>", "HTTP URL polled after start; the deployment is running once it answers 2xx (default: running once started)")
          .addOption(requestIdOption()),
      examples: [
        'berth resource create --project prj_shop --environment env_prod --name web --command "node app.js" --env PORT=8080 --health-url http://127.0.0.1:8080/health',
        'berth resource create --project prj_shop --environment env_prod --name worker --command "npm run worker" --cwd /srv/shop --env LOG_LEVEL=info --env QUEUE=orders -o json',
      ],
      run: async (client, flags: { project: string; environment: string; name: string; command: string; cwd?: string; env?: Record<string, string>; healthUrl?: string; requestId?: string }) => {
        const { resource: created } = await client.deployment.createResource({
          requestId: requestId(flags),
          projectId: flags.project,
          environmentId: flags.environment,
          name: flags.name,
          command: flags.command,
          cwd: flags.cwd ?? "",
          env: flags.env ?? {},
          healthUrl: flags.healthUrl ?? "",
          provenance,
        });
        return created;
      },
      print: printResource,
    }),
  );

  resource.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list resources",
      options: (command) => command.option("--project <id>", "only this project").option("--environment <id>", "only this environment").option("--name <name>", "only the resource with this exact name"),
      examples: ["berth resource list --project prj_shop --environment env_prod", "berth resource list --name web -o json"],
      filter: (_client, flags: { project?: string; environment?: string; name?: string }) => ({ projectId: flags.project ?? "", environmentId: flags.environment ?? "", name: flags.name ?? "" }),
      list: (client, request) => client.deployment.listResources(request),
      items: "resources",
      print: printResourceList,
    }),
  );

  resource.addCommand(
    showCommand(RECORDS.resource, {
      alias: "get",
      description: "show one resource",
      examples: ["berth resource show res_7Hq…", "berth resource show web --project prj_shop --environment env_prod -o json"],
    }),
  );

  resource.addCommand(
    deleteCommand({
      description: "delete a resource (refused while one of its deployments is pending, starting or running: stop it first)",
      subject: "resource",
      examples: ["berth deployments stop dpl_…   # first, if it is running", "berth resource delete res_7Hq…"],
      run: async (client, flags, id) => (await client.deployment.deleteResource({ id, requestId: requestId(flags) })).resource,
      print: printResource,
    }),
  );

  resource.addCommand(resourceDependencyCommand());
  return resource;
}
