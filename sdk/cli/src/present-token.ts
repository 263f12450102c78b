import { plainJson, type Role, roleToJSON, type Token } from "@berth/client";
import { age, printFields, printJson, printList, until, type OutputFormat } from "./output.js";

function roleName(role: Role): string {
  return roleToJSON(role).replace(/^ROLE_/, "").toLowerCase();
}

export function tokenJson(token: Token): unknown {
  return plainJson("berth.access.v1.Token", token);
}

export function printToken(token: Token, format: OutputFormat): void {
  if (format === "json") return printJson(tokenJson(token));
  printFields([
    ["ID", token.id],
    ["NAME", token.name],
    ["ROLE", roleName(token.role)],
    ["PROJECTS", token.projectIds.join(", ") || "(all)"],
    ["ENVIRONMENTS", token.environmentIds.join(", ") || "(all)"],
    ["CREATED", `${token.createdAt} by ${token.createdBy}`],
    ["EXPIRES", token.expiresAt ?? "never"],
    ["REVOKED", token.revokedAt ?? "no"],
  ]);
}

export function printTokenList(tokens: Token[], format: OutputFormat, nextPageToken: string): void {
  printList(tokens, format, nextPageToken, {
    typeName: "berth.access.v1.Token",
    headers: ["ID", "NAME", "ROLE", "PROJECTS", "ENVIRONMENTS", "EXPIRES", "STATE", "AGE"],
    row: (t) => [
      t.id,
      t.name,
      roleName(t.role),
      t.projectIds.join(",") || "(all)",
      t.environmentIds.join(",") || "(all)",
      t.expiresAt ? until(t.expiresAt) : "never",
      t.revokedAt ? "revoked" : t.expiresAt && Date.parse(t.expiresAt) <= Date.now() ? "expired" : "active",
      age(t.createdAt),
    ],
  });
}
