import { Binding, bindingStatusToJSON, RotateBindingSecretResponse } from "@berth/client";
import { age, enumName, optional, printList, printRecord, type OutputFormat } from "./output.js";
import { provenanceName } from "./present.js";

function statusName(binding: Binding): string {
  return enumName(bindingStatusToJSON(binding.status), "BINDING_STATUS_");
}

/** Every field of a binding is safe to show: the secret is only ever a reference. */
export function printBinding(binding: Binding, format: OutputFormat): void {
  printRecord("berth.binding.v1.Binding", binding, format, () => [
    ["id", binding.id],
    ["status", statusName(binding)],
    ["resource", binding.resourceId],
    ["dependency", binding.dependencyId],
    ["env var", binding.targetEnvVar],
    ["secret ref", binding.secretRef || "-"],
    ["project", binding.projectId],
    ["environment", binding.environmentId],
    ["provenance", provenanceName(binding.provenance)],
    ["created", binding.createTime ?? ""],
    ["updated", binding.updateTime ?? ""],
    ...optional("unbound", binding.unbindTime),
  ]);
}

export function printBindingList(bindings: Binding[], format: OutputFormat, nextPageToken: string): void {
  printList(bindings, format, nextPageToken, {
    typeName: "berth.binding.v1.Binding",
    empty: "No bindings found.",
    headers: ["ID", "RESOURCE", "DEPENDENCY", "ENV VAR", "SECRET REF", "STATUS", "AGE"],
    row: (b) => [b.id, b.resourceId, b.dependencyId, b.targetEnvVar, b.secretRef || "-", statusName(b), age(b.createTime)],
  });
}

export function printRotation(response: RotateBindingSecretResponse, format: OutputFormat): void {
  const binding = response.binding!;
  const changed = response.previousSecretRef !== binding.secretRef;
  printRecord(
    "berth.binding.v1.RotateBindingSecretResponse",
    response,
    format,
    () => [
      ["binding", binding.id],
      ["env var", binding.targetEnvVar],
      ["previous secret ref", response.previousSecretRef || "-"],
      ["new secret ref", binding.secretRef + (changed ? "" : " (unchanged)")],
    ],
    () =>
      process.stdout.write(
        "\nnote: only deployments created from now on receive the new reference. Running workloads and past\n" +
          "      deployment snapshots are unchanged; create a new deployment to deliver it.\n",
      ),
  );
}
