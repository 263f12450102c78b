import { Binding, bindingStatusToJSON, provenanceSourceToJSON, RotateBindingSecretResponse, plainJson } from "@berth/client";
import { age, printFields, printJson, printTable, type OutputFormat } from "./output.js";

function statusName(binding: Binding): string {
  return bindingStatusToJSON(binding.status).replace("BINDING_STATUS_", "").toLowerCase();
}

/** Every field of a binding is safe to show: the secret is only ever a reference. */
export function printBinding(binding: Binding, format: OutputFormat): void {
  if (format === "json") return printJson(plainJson("berth.binding.v1.Binding", binding));
  printFields([
    ["id", binding.id],
    ["status", statusName(binding)],
    ["resource", binding.resourceId],
    ["dependency", binding.dependencyId],
    ["env var", binding.targetEnvVar],
    ["secret ref", binding.secretRef || "-"],
    ["project", binding.projectId],
    ["environment", binding.environmentId],
    ["provenance", binding.provenance ? provenanceSourceToJSON(binding.provenance.source).replace("PROVENANCE_SOURCE_", "").toLowerCase() : "-"],
    ["created", binding.createTime ?? ""],
    ["updated", binding.updateTime ?? ""],
    ...(binding.unbindTime ? ([["unbound", binding.unbindTime]] as Array<[string, string]>) : []),
  ]);
}

export function printBindingList(bindings: Binding[], format: OutputFormat, nextPageToken: string): void {
  if (format === "json") return printJson({ items: bindings.map((b) => plainJson("berth.binding.v1.Binding", b)), nextPageToken });
  if (bindings.length === 0) {
    process.stdout.write("No bindings found.\n");
    return;
  }
  printTable(
    ["ID", "RESOURCE", "DEPENDENCY", "ENV VAR", "SECRET REF", "STATUS", "AGE"],
    bindings.map((b) => [b.id, b.resourceId, b.dependencyId, b.targetEnvVar, b.secretRef || "-", statusName(b), age(b.createTime)]),
  );
  if (nextPageToken) process.stdout.write(`(more: --page-token ${nextPageToken})\n`);
}

export function printRotation(response: RotateBindingSecretResponse, format: OutputFormat): void {
  if (format === "json") return printJson(plainJson("berth.binding.v1.RotateBindingSecretResponse", response));
  const binding = response.binding!;
  const changed = response.previousSecretRef !== binding.secretRef;
  printFields([
    ["binding", binding.id],
    ["env var", binding.targetEnvVar],
    ["previous secret ref", response.previousSecretRef || "-"],
    ["new secret ref", binding.secretRef + (changed ? "" : " (unchanged)")],
  ]);
  process.stdout.write(
    "\nnote: only deployments created from now on receive the new reference. Running workloads and past\n" +
      "      deployment snapshots are unchanged; create a new deployment to deliver it.\n",
  );
}
