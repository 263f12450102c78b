import {
  plainJson,
  Deployment,
  DeploymentEvent,
  deploymentEventTypeToJSON,
  deploymentStatusToJSON,
  type GetDeploymentLogsResponse,
  injectionBlockedReasonToJSON,
  PlanDeploymentResponse,
  Resource,
  RuntimeInjectionState,
  runtimeInjectionStateToJSON,
  RuntimeTarget,
  type RuntimeInjectionReadiness,
  type SnapshotBinding,
} from "@berth/client";
import { age, enumName, optional, printJson, printList, printRecord, printTable, type OutputFormat } from "./output.js";
import { provenanceName } from "./present.js";

export function deploymentStatusName(deployment: Deployment): string {
  return enumName(deploymentStatusToJSON(deployment.status), "DEPLOYMENT_STATUS_");
}

/** ready / blocked / not-applicable */
export function injectionStateName(state: RuntimeInjectionState | undefined): string {
  if (state === undefined) return "-";
  return enumName(runtimeInjectionStateToJSON(state), "RUNTIME_INJECTION_STATE_").replace(/_/g, "-");
}

// ── resources ──────────────────────────────────────────────────────────────

export function printResource(resource: Resource, format: OutputFormat): void {
  const env = Object.entries(resource.env).map(([k, v]) => `${k}=${v}`);
  printRecord("berth.deployment.v1.Resource", resource, format, () => [
    ["id", resource.id],
    ["name", resource.name],
    ["project", resource.projectId],
    ["environment", resource.environmentId],
    ["command", resource.command],
    ["cwd", resource.cwd || "-"],
    ["env", env.length ? env.join(" ") : "-"],
    ["health url", resource.healthUrl || "-"],
    ["provenance", provenanceName(resource.provenance)],
    ["created", resource.createTime ?? ""],
  ]);
}

export function printResourceList(resources: Resource[], format: OutputFormat, nextPageToken: string): void {
  printList(resources, format, nextPageToken, {
    typeName: "berth.deployment.v1.Resource",
    empty: "No resources found.",
    headers: ["ID", "NAME", "PROJECT", "ENVIRONMENT", "COMMAND", "AGE"],
    row: (r) => [r.id, r.name, r.projectId, r.environmentId, r.command, age(r.createTime)],
  });
}

// ── runtime targets (`berth server`) ───────────────────────────────────────

export function printRuntimeTarget(target: RuntimeTarget, format: OutputFormat): void {
  printRecord("berth.deployment.v1.RuntimeTarget", target, format, () => [
    ["id", target.id],
    ["name", target.name],
    ["kind", target.kind],
    ["delivers secrets", target.canDeliverDependencySecrets ? "yes" : "no (deployments of resources with bindings are blocked)"],
    ["created", target.createTime ?? ""],
  ]);
}

export function printRuntimeTargetList(targets: RuntimeTarget[], format: OutputFormat, nextPageToken: string): void {
  printList(targets, format, nextPageToken, {
    typeName: "berth.deployment.v1.RuntimeTarget",
    empty: "No servers found.",
    headers: ["ID", "NAME", "KIND", "DELIVERS SECRETS", "AGE"],
    row: (t) => [t.id, t.name, t.kind, t.canDeliverDependencySecrets ? "yes" : "no", age(t.createTime)],
  });
}

// ── deployments ────────────────────────────────────────────────────────────

function printSnapshot(snapshot: SnapshotBinding[]): void {
  if (snapshot.length === 0) {
    process.stdout.write("\nsnapshot: no bindings captured\n");
    return;
  }
  process.stdout.write("\nsnapshot (secret references frozen at create time):\n");
  printTable(
    ["BINDING", "DEPENDENCY", "ENV VAR", "SECRET REF"],
    snapshot.map((s) => [s.bindingId, s.dependencyId, s.targetEnvVar, s.secretRef]),
  );
}

export function printDeployment(deployment: Deployment, format: OutputFormat): void {
  printRecord(
    "berth.deployment.v1.Deployment",
    deployment,
    format,
    () => [
      ["id", deployment.id],
      ["status", deploymentStatusName(deployment) + (deployment.statusReason ? ` (${deployment.statusReason})` : "")],
      ["resource", deployment.resourceId],
      ["server", deployment.runtimeTargetId],
      ["project", deployment.projectId],
      ["environment", deployment.environmentId],
      ["injection", injectionStateName(deployment.injection?.state)],
      ["created", deployment.createTime ?? ""],
      ...optional("started", deployment.startTime),
      ...optional("ended", deployment.endTime),
    ],
    () => printSnapshot(deployment.snapshot),
  );
}

export function printDeploymentList(deployments: Deployment[], format: OutputFormat, nextPageToken: string): void {
  printList(deployments, format, nextPageToken, {
    typeName: "berth.deployment.v1.Deployment",
    empty: "No deployments found.",
    headers: ["ID", "RESOURCE", "SERVER", "STATUS", "INJECTION", "BINDINGS", "AGE", "REASON"],
    row: (d) => [
      d.id,
      d.resourceId,
      d.runtimeTargetId,
      deploymentStatusName(d),
      injectionStateName(d.injection?.state),
      String(d.snapshot.length),
      age(d.createTime),
      d.statusReason || "-",
    ],
  });
}

export function printDeploymentEvents(events: DeploymentEvent[], format: OutputFormat, nextPageToken: string): void {
  printList(events, format, nextPageToken, {
    typeName: "berth.deployment.v1.DeploymentEvent",
    empty: "No deployment events found.",
    headers: ["TIME", "DEPLOYMENT", "TYPE", "MESSAGE"],
    row: (e) => [e.createTime ?? "", e.deploymentId, enumName(deploymentEventTypeToJSON(e.type), "DEPLOYMENT_EVENT_TYPE_"), e.message],
  });
}

// ── logs ───────────────────────────────────────────────────────────────────

/** A workload's output as it printed it; a header on stderr says which copy it is, so stdout stays the output alone. */
export function printDeploymentLogs(logs: GetDeploymentLogsResponse, format: OutputFormat): void {
  if (format === "json") {
    return printJson({ deploymentId: logs.deploymentId, lines: logs.lines, truncated: logs.truncated, live: logs.live, captureTime: logs.captureTime ?? null });
  }
  const source = logs.live ? "live" : "saved";
  const when = logs.captureTime ? `, last output ${logs.captureTime}` : "";
  process.stderr.write(`${logs.deploymentId}: ${logs.lines.length} line${logs.lines.length === 1 ? "" : "s"} (${source}${when}${logs.truncated ? "; earlier output left out" : ""})\n`);
  if (logs.lines.length === 0) {
    process.stderr.write("The workload printed nothing (or it has not started).\n");
    return;
  }
  process.stdout.write(`${logs.lines.join("\n")}\n`);
}

// ── plan ───────────────────────────────────────────────────────────────────

/** INJECTION_BLOCKED_REASON_DEPENDENCY_NOT_READY → dependency_not_ready */
export function blockedReasonName(reason: Parameters<typeof injectionBlockedReasonToJSON>[0]): string {
  return enumName(injectionBlockedReasonToJSON(reason), "INJECTION_BLOCKED_REASON_");
}

function printReadiness(injection: RuntimeInjectionReadiness | undefined): void {
  const state = injection?.state;
  const note =
    state === RuntimeInjectionState.RUNTIME_INJECTION_STATE_BLOCKED
      ? " (a deployment would be refused; fix the rows below)"
      : state === RuntimeInjectionState.RUNTIME_INJECTION_STATE_NOT_APPLICABLE
        ? " (the resource has no active bindings: nothing to deliver)"
        : "";
  process.stdout.write(`injection: ${injectionStateName(state)}${note}\n`);
  const bindings = injection?.bindings ?? [];
  if (bindings.length === 0) return;
  process.stdout.write("\n");
  printTable(
    ["BINDING", "DEPENDENCY", "ENV VAR", "SECRET REF", "STATE", "DESCRIPTION"],
    bindings.map((b) => [b.bindingId, b.dependencyId, b.targetEnvVar, b.secretRef || "-", b.ready ? "ready" : blockedReasonName(b.blockedReason), b.description || "-"]),
  );
}

export function printPlan(plan: PlanDeploymentResponse, format: OutputFormat): void {
  if (format === "json") return printJson(plainJson("berth.deployment.v1.PlanDeploymentResponse", plan));
  printReadiness(plan.injection);
  // Warnings never block a deployment; they are printed where a person reads the plan.
  if (plan.warnings.length > 0) {
    process.stdout.write("\nwarnings (do not block a deployment):\n");
    for (const warning of plan.warnings) process.stdout.write(`  warning [${warning.reason}]: ${warning.message}\n`);
  }
}
