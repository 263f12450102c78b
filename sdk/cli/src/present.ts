import { ConnectionVerification, dataClassName, Dependency, dependencySourceToJSON, dependencyStatusToJSON, plainJson, type Provenance, provenanceSourceToJSON } from "@berth/client";
import { age, enumName, optional, printJson, printList, printRecord, type OutputFormat } from "./output.js";

export function statusName(dependency: Dependency): string {
  return enumName(dependencyStatusToJSON(dependency.status), "DEPENDENCY_STATUS_");
}

function sourceName(dependency: Dependency): string {
  return enumName(dependencySourceToJSON(dependency.source), "DEPENDENCY_SOURCE_");
}

/** Where a record came from (cli, config, api …); "-" when it does not say. */
export function provenanceName(provenance: Provenance | undefined): string {
  return provenance ? enumName(provenanceSourceToJSON(provenance.source), "PROVENANCE_SOURCE_") : "-";
}

/** verified / unverified / failed: what the last probe proved about the connection. */
export function verificationName(dependency: Dependency): string {
  switch (dependency.connectionVerification) {
    case ConnectionVerification.CONNECTION_VERIFICATION_VERIFIED:
      return "verified";
    case ConnectionVerification.CONNECTION_VERIFICATION_FAILED:
      return "failed";
    default:
      return "unverified";
  }
}

/** The show line: the state, when it was checked, and what to do about it. */
function connectionCheck(dependency: Dependency): string {
  const when = dependency.connectionCheckTime ? ` at ${dependency.connectionCheckTime}` : "";
  switch (dependency.connectionVerification) {
    case ConnectionVerification.CONNECTION_VERIFICATION_VERIFIED:
      return `verified (a probe logged in${when})`;
    case ConnectionVerification.CONNECTION_VERIFICATION_FAILED:
      return `failed${when}: ${dependency.connectionVerificationReason}; fix it, then \`berth dependency probe ${dependency.id}\``;
    default:
      return `unverified (no probe has logged in with it; run \`berth dependency probe ${dependency.id}\`)`;
  }
}

/** JSON: the resource object in the CLI's JSON shape (plainJson: every field, the table's words). */
export function printDependency(dependency: Dependency, format: OutputFormat): void {
  const metadata = Object.entries(dependency.metadata).map(([k, v]) => `${k}=${v}`).join(" ");
  printRecord("berth.dependency.v1.Dependency", dependency, format, () => [
    ["id", dependency.id],
    ["name", dependency.name],
    ["kind", dependency.kind],
    ["source", sourceName(dependency)],
    ["status", statusName(dependency) + (dependency.statusReason ? ` (${dependency.statusReason})` : "")],
    ["project", dependency.projectId],
    ["environment", dependency.environmentId],
    ["connection", dependency.maskedConnectionUrl || "-"],
    ["connection check", dependency.connectionSecretRef ? connectionCheck(dependency) : "-"],
    ["secret ref", dependency.connectionSecretRef || "-"],
    ["metadata", metadata || "-"],
    ["target", dependency.realizationTarget || "-"],
    ["deletion protection", dependency.deletionProtection ? "on" : "off"],
    ["data class", dataClassName(dependency.dataClass)],
    ["provenance", provenanceName(dependency.provenance)],
    ["created", dependency.createTime ?? ""],
    ...optional("deleted", dependency.deleteTime),
  ]);
}

export function printDependencyList(dependencies: Dependency[], format: OutputFormat, nextPageToken: string): void {
  printList(dependencies, format, nextPageToken, {
    typeName: "berth.dependency.v1.Dependency",
    empty: "No dependencies found.",
    headers: ["ID", "NAME", "KIND", "SOURCE", "STATUS", "DATA CLASS", "CHECK", "PROJECT", "ENVIRONMENT", "CONNECTION", "AGE"],
    row: (d) => [
      d.id,
      d.name,
      d.kind,
      sourceName(d),
      statusName(d),
      dataClassName(d.dataClass),
      d.connectionSecretRef ? verificationName(d) : "-",
      d.projectId,
      d.environmentId,
      d.maskedConnectionUrl || "-",
      age(d.createTime),
    ],
  });
}

/** A delete's answer; a forced one says what it left on the target (JSON: `leftBehind` beside the record). */
export function printDeleted(dependency: Dependency, leftBehind: string[], format: OutputFormat): void {
  if (format === "json") return printJson({ ...plainJson("berth.dependency.v1.Dependency", dependency), ...(leftBehind.length > 0 && { leftBehind }) });
  printDependency(dependency, format);
  if (leftBehind.length === 0) return;
  process.stdout.write(`\nforgotten without release; left behind (remove by hand):\n${leftBehind.map((item) => `  ${item}`).join("\n")}\n`);
}
