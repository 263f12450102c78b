import { Command, InvalidArgumentError, Option } from "commander";
import { deploymentStatusFromJSON, ErrorReason, reasonCode, RuntimeInjectionState } from "@berth/client";
import { EXIT, exitCodeForReason } from "../exit-codes.js";
import { printDeployment, printDeploymentEvents, printDeploymentList, printDeploymentLogs, printPlan } from "../present-deployment.js";
import { waitForDeployment } from "../wait.js";
import { examples, listCommand, printOrWait, provenance, recordCommand, requestId, requestIdOption, statusFilter, showCommand, statusOption, timeoutOption, withClient } from "./common.js";
import { RECORDS } from "./records.js";
import { ID_ARGUMENTS, resolveResource, resolveServer } from "./resolve.js";

function parseTailLines(value: string): number {
  const lines = Number(value);
  if (!Number.isInteger(lines) || lines < 1 || lines > 5000) throw new InvalidArgumentError("must be a whole number of lines from 1 to 5000");
  return lines;
}

const STATUSES = ["pending", "starting", "running", "failed", "stopped"];

const SERVER_NOTE =
  "\n\n--server names the runtime target (see `berth server list`); the Berth API address is the global\n" +
  "--api HOST:PORT (or BERTH_API).";

interface Target {
  resource: string;
  server: string;
  project?: string;
  environment?: string;
}

/** --resource/--server (ids or names) and the --project/--environment a resource name needs. */
function addTargetOptions(command: Command): Command {
  return command
    .requiredOption("--resource <res>", "resource id (res_…) or name (a name needs --project and --environment)")
    .requiredOption("--server <srv>", "server (runtime target) id (srv_…) or name")
    .option("--project <id>", "project of the resource, when --resource is a name")
    .option("--environment <id>", "environment of the resource, when --resource is a name");
}

export function deploymentCommand(): Command {
  const deployments = new Command("deployments")
    .alias("deployment")
    .alias("dpl")
    .description("plan, create, show, list, follow and stop deployments of resources onto servers");

  addTargetOptions(deployments.command("plan").description("check that every bound dependency secret can reach the server (creates nothing)"))
    .addHelpText(
      "after",
      examples(
        "berth deployments plan --resource res_7Hq… --server srv_2Pw…",
        "berth deployments plan --resource web --project prj_shop --environment env_prod --server local",
        "berth deployments plan --resource web --project prj_shop --environment env_prod --server local -o json",
      ) +
        "\n\nShows the injection state (ready, blocked or not-applicable when the resource has no bindings) and\n" +
        "one row per active binding: the env var, the secret reference that would be delivered, and\n" +
        "`ready` or why it is blocked (e.g. runtime_target_cannot_deliver_secrets, dependency_not_ready).\n" +
        "A bound production-critical dependency whose data is not ready (`berth dependency readiness`) is\n" +
        "listed under warnings (reason dependency_data_not_ready); warnings never block or change the exit code.\n" +
        "Exit code: 0 when ready or not-applicable, 5 when blocked (so scripts can gate on it)." +
        SERVER_NOTE,
    )
    .action(
      withClient<Target>(async (client, flags) => {
        const resourceId = await resolveResource(client, flags.resource, flags);
        const runtimeTargetId = await resolveServer(client, flags.server);
        const plan = await client.deployment.planDeployment({ resourceId, runtimeTargetId });
        printPlan(plan, flags.output);
        return plan.injection?.state === RuntimeInjectionState.RUNTIME_INJECTION_STATE_BLOCKED
          ? exitCodeForReason(reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_RUNTIME_INJECTION_BLOCKED))
          : EXIT.ok;
      }),
    );

  addTargetOptions(deployments.command("create").description("deploy a resource onto a server (refused, creating nothing, when the plan is blocked)"))
    .option("--wait", "wait until it is running (or failed), showing progress", false)
    .addOption(timeoutOption())
    .addOption(requestIdOption())
    .addHelpText(
      "after",
      examples(
        "berth deployments create --resource res_7Hq… --server local --wait",
        "berth deployments create --resource web --project prj_shop --environment env_prod --server local --wait --timeout 120 -o json",
      ) +
        "\n\nA new deployment replaces the live deployment of the same resource on the same server: the\n" +
        "previous one is stopped before the new workload starts and ends `stopped`, \"superseded by dpl_…\".\n" +
        "It is `running` only while its own process is alive and, with a health URL, once the URL answered\n" +
        "2xx after it started (a URL something else answered already does not count until it went down);\n" +
        "a workload that exits ends `failed` with its exit code. See why with `berth deployments logs`.\n\n" +
        "The deployment captures a snapshot of the resource's active bindings (secret references only);\n" +
        "later binds, unbinds and rotations do not change it. Without --wait it returns `pending`.\n" +
        "Exit code: 5 with reason dependency_runtime_injection_blocked when the plan is blocked (run\n" +
        "`berth deployments plan` to see why); with --wait, 1 when the deployment ends failed." +
        SERVER_NOTE,
    )
    .action(
      withClient<Target & { wait: boolean; timeout: number; requestId?: string }>(async (client, flags) => {
        const resourceId = await resolveResource(client, flags.resource, flags);
        const runtimeTargetId = await resolveServer(client, flags.server);
        const { deployment } = await client.deployment.createDeployment({ requestId: requestId(flags), resourceId, runtimeTargetId, provenance });
        return printOrWait(flags, deployment, printDeployment, () => waitForDeployment(client, deployment!.id, `deploying ${flags.resource} (${deployment!.id})`, flags.timeout));
      }),
    );

  deployments.addCommand(
    showCommand(RECORDS.deployment, {
      alias: "get",
      description: "show a deployment: status, times, injection state and its frozen snapshot of secret references",
      examples: ["berth deployments show dpl_5Nc…", "berth deployments show dpl_5Nc… -o json"],
    }),
  );

  deployments.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list deployments, oldest first",
      options: (command) =>
        command
          .option("--resource <res>", "only this resource: id (res_…) or name (with --project and --environment)")
          .option("--server <srv>", "only this server: id (srv_…) or name")
          .option("--project <id>", "only this project")
          .option("--environment <id>", "only this environment")
          .addOption(statusOption(STATUSES)),
      examples: ["berth deployments list --resource res_7Hq…", "berth deployments list --status running -o json"],
      help: SERVER_NOTE,
      filter: async (client, flags: { resource?: string; server?: string; project?: string; environment?: string; status?: string }) => ({
        projectId: flags.project ?? "",
        environmentId: flags.environment ?? "",
        resourceId: flags.resource ? await resolveResource(client, flags.resource, flags) : "",
        runtimeTargetId: flags.server ? await resolveServer(client, flags.server) : "",
        status: statusFilter(flags.status, "DEPLOYMENT_STATUS_", deploymentStatusFromJSON),
      }),
      list: (client, request) => client.deployment.listDeployments(request),
      items: "deployments",
      print: printDeploymentList,
    }),
  );

  deployments.addCommand(
    listCommand({
      name: "events",
      description: "the activity log of a resource: when each deployment was created, started, failed or stopped",
      options: (command) =>
        command
          .requiredOption("--resource <res>", "resource id (res_…) or name (with --project and --environment)")
          .option("--deployment <id>", "only the events of this deployment (dpl_…)")
          .option("--project <id>", "project of the resource, when --resource is a name")
          .option("--environment <id>", "environment of the resource, when --resource is a name"),
      examples: ["berth deployments events --resource res_7Hq…", "berth deployments events --resource res_7Hq… --deployment dpl_5Nc… -o json"],
      filter: async (client, flags: { resource: string; deployment?: string; project?: string; environment?: string }) => ({
        resourceId: await resolveResource(client, flags.resource, flags),
        deploymentId: flags.deployment ?? "",
      }),
      list: (client, request) => client.deployment.listDeploymentEvents(request),
      items: "events",
      print: printDeploymentEvents,
    }),
  );

  deployments.addCommand(
    recordCommand({
      name: "logs",
      description: "show the last lines a deployment's workload printed (stdout and stderr), delivered secrets masked",
      argument: ID_ARGUMENTS.deployment,
      options: (command) => command.addOption(new Option("--tail <lines>", "how many of the last lines to show (1-5000)").argParser(parseTailLines).default(200)),
      examples: ["berth deployments logs dpl_5Nc…", "berth deployments logs dpl_5Nc… --tail 50", "berth deployments logs dpl_5Nc… -o json"],
      help:
        "\n\nOutput is captured as the workload prints it; the last 64 KiB are kept, also after it stopped or\n" +
        "failed (that is where the cause of a failure shows). Every secret Berth delivered to the workload is\n" +
        "masked (****), and so is the password of any URL in it. From a replica that does not run the\n" +
        "workload, the copy saved every 2 s is shown (the header says `saved`).",
      run: (client, flags: { tail: number }, id) => client.deployment.getDeploymentLogs({ id, tailLines: flags.tail }),
      print: printDeploymentLogs,
    }),
  );

  deployments.addCommand(
    recordCommand({
      name: "stop",
      description: "stop a deployment (it ends stopped; stopping a failed or stopped one returns it unchanged)",
      argument: ID_ARGUMENTS.deployment,
      options: (command) => command.addOption(requestIdOption()),
      examples: ["berth deployments stop dpl_5Nc…"],
      run: async (client, flags: { requestId?: string }, id) => (await client.deployment.stopDeployment({ id, requestId: requestId(flags) })).deployment,
      print: printDeployment,
    }),
  );

  return deployments;
}
