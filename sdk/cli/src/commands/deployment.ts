import { Command, InvalidArgumentError, Option } from "commander";
import { DeploymentStatus, deploymentStatusFromJSON, ErrorReason, reasonCode, RuntimeInjectionState } from "@berth/client";
import { EXIT, exitCodeForReason } from "../exit-codes.js";
import { printDeployment, printDeploymentEvents, printDeploymentList, printDeploymentLogs, printPlan } from "../present-deployment.js";
import { waitForDeployment } from "../wait.js";
import { addPageOptions, collectPages, examples, timeoutOption, provenance, requestId, requestIdOption, withClient, type PageFlags } from "./common.js";
import { resolveResource, resolveServer } from "./resolve.js";

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
        if (!flags.wait) {
          printDeployment(deployment!, flags.output);
          return EXIT.ok;
        }
        const settled = await waitForDeployment(client, deployment!.id, `deploying ${flags.resource} (${deployment!.id})`, flags.timeout);
        printDeployment(settled.deployment, flags.output);
        return settled.exitCode;
      }),
    );

  deployments
    .command("show")
    .alias("get")
    .description("show a deployment: status, times, injection state and its frozen snapshot of secret references")
    .argument("<id>", "deployment id (dpl_…)")
    .addHelpText("after", examples("berth deployments show dpl_5Nc…", "berth deployments show dpl_5Nc… -o json"))
    .action(
      withClient(async (client, flags, id) => {
        const { deployment } = await client.deployment.getDeployment({ id });
        printDeployment(deployment!, flags.output);
        return EXIT.ok;
      }),
    );

  addPageOptions(
    deployments
      .command("list")
      .alias("ls")
      .description("list deployments, oldest first")
      .option("--resource <res>", "only this resource: id (res_…) or name (with --project and --environment)")
      .option("--server <srv>", "only this server: id (srv_…) or name")
      .option("--project <id>", "only this project")
      .option("--environment <id>", "only this environment")
      .addOption(new Option("--status <status>", "only this status").choices(STATUSES)),
  )
    .addHelpText("after", examples("berth deployments list --resource res_7Hq…", "berth deployments list --status running -o json") + SERVER_NOTE)
    .action(
      withClient<{ resource?: string; server?: string; project?: string; environment?: string; status?: string } & PageFlags>(async (client, flags) => {
        const resourceId = flags.resource ? await resolveResource(client, flags.resource, flags) : "";
        const runtimeTargetId = flags.server ? await resolveServer(client, flags.server) : "";
        const status = flags.status ? deploymentStatusFromJSON(`DEPLOYMENT_STATUS_${flags.status.toUpperCase()}`) : DeploymentStatus.DEPLOYMENT_STATUS_UNSPECIFIED;
        const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
          const page = await client.deployment.listDeployments({ projectId: flags.project ?? "", environmentId: flags.environment ?? "", resourceId, runtimeTargetId, status, pageSize, pageToken });
          return { items: page.deployments, nextPageToken: page.nextPageToken };
        });
        printDeploymentList(items, flags.output, nextPageToken);
        return EXIT.ok;
      }),
    );

  addPageOptions(
    deployments
      .command("events")
      .description("the activity log of a resource: when each deployment was created, started, failed or stopped")
      .requiredOption("--resource <res>", "resource id (res_…) or name (with --project and --environment)")
      .option("--deployment <id>", "only the events of this deployment (dpl_…)")
      .option("--project <id>", "project of the resource, when --resource is a name")
      .option("--environment <id>", "environment of the resource, when --resource is a name"),
  )
    .addHelpText("after", examples("berth deployments events --resource res_7Hq…", "berth deployments events --resource res_7Hq… --deployment dpl_5Nc… -o json"))
    .action(
      withClient<{ resource: string; deployment?: string; project?: string; environment?: string } & PageFlags>(async (client, flags) => {
        const resourceId = await resolveResource(client, flags.resource, flags);
        const { items, nextPageToken } = await collectPages(flags, async (pageToken, pageSize) => {
          const page = await client.deployment.listDeploymentEvents({ resourceId, deploymentId: flags.deployment ?? "", pageSize, pageToken });
          return { items: page.events, nextPageToken: page.nextPageToken };
        });
        printDeploymentEvents(items, flags.output, nextPageToken);
        return EXIT.ok;
      }),
    );

  deployments
    .command("logs")
    .description("show the last lines a deployment's workload printed (stdout and stderr), delivered secrets masked")
    .argument("<id>", "deployment id (dpl_…)")
    .addOption(new Option("--tail <lines>", "how many of the last lines to show (1-5000)").argParser(parseTailLines).default(200))
    .addHelpText(
      "after",
      examples("berth deployments logs dpl_5Nc…", "berth deployments logs dpl_5Nc… --tail 50", "berth deployments logs dpl_5Nc… -o json") +
        "\n\nOutput is captured as the workload prints it; the last 64 KiB are kept, also after it stopped or\n" +
        "failed (that is where the cause of a failure shows). Every secret Berth delivered to the workload is\n" +
        "masked (****), and so is the password of any URL in it. From a replica that does not run the\n" +
        "workload, the copy saved every 2 s is shown (the header says `saved`).",
    )
    .action(
      withClient<{ tail: number }>(async (client, flags, id) => {
        const logs = await client.deployment.getDeploymentLogs({ id, tailLines: flags.tail });
        printDeploymentLogs(logs, flags.output);
        return EXIT.ok;
      }),
    );

  deployments
    .command("stop")
    .description("stop a deployment (it ends stopped; stopping a failed or stopped one returns it unchanged)")
    .argument("<id>", "deployment id (dpl_…)")
    .addOption(requestIdOption())
    .addHelpText("after", examples("berth deployments stop dpl_5Nc…"))
    .action(
      withClient<{ requestId?: string }>(async (client, flags, id) => {
        const { deployment } = await client.deployment.stopDeployment({ id, requestId: requestId(flags) });
        printDeployment(deployment!, flags.output);
        return EXIT.ok;
      }),
    );

  return deployments;
}
