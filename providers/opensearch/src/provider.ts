import { randomBytes } from "node:crypto";
import { defineProvider, ProviderError, type Provider, type RealizeRequest, type RealizeResult, type ReleaseRequest } from "@berth/provider-sdk";
import { backup } from "./backup.js";
import { describeContent } from "./content.js";
import { describeOpenSearch } from "./connection.js";
import { OPENSEARCH_FORMAT } from "./dump-format.js";
import { probe } from "./probe.js";
import { OpenSearchHttp } from "./http.js";
import { deleteIndices, indicesUnder } from "./indices.js";
import { restore } from "./restore.js";
import { grantDependencyAccess, revokeDependencyAccess } from "./security-api.js";
import { adminTarget, hasSecurityPlugin, namesFor, type PasswordHashing } from "./target.js";

/**
 * With the security plugin: a role limited to `<prefix>*`, an internal user
 * with a fresh random password, and the mapping between them; the delivered
 * URL carries that user. Without it nothing can be created and the delivered
 * URL carries the target's own credentials: metadata says `isolation: "none"`.
 * Indices are not created here; the application creates them under the prefix.
 */
async function realize(request: RealizeRequest): Promise<RealizeResult> {
  const names = namesFor(request.dependencyId);
  const admin = adminTarget(request.target, request.signal);
  const secured = await hasSecurityPlugin(admin);
  const url = new URL(`${admin.url.protocol}//${admin.url.host}/`);
  if (request.target.publicHost) url.hostname = request.target.publicHost;
  url.pathname = `/${names.indexPrefix}`;
  if (secured) {
    const password = randomBytes(24).toString("base64url");
    await grantDependencyAccess(admin, names, request.dependencyId, password, request.progress);
    url.username = names.name;
    url.password = password;
    request.progress?.("checking the new user can log in");
    // Through the admin host: publicHost is for workloads and may not resolve from here.
    const direct = new URL(url);
    direct.host = admin.url.host;
    await checkLogin(new OpenSearchHttp(direct, request.signal), admin.passwordHashing);
  } else {
    url.username = admin.url.username;
    url.password = admin.url.password;
  }
  const connectionUrl = url.toString();
  return { connectionUrl, metadata: { ...describeOpenSearch("opensearch", connectionUrl).metadata, isolation: secured ? "security-plugin" : "none" } };
}

/** Proves the delivered credentials work before handing them out. */
async function checkLogin(http: OpenSearchHttp, hashing: PasswordHashing): Promise<void> {
  const reply = await http.call("GET", "/_plugins/_security/api/account");
  if (reply.status === 200) return;
  const hint = reply.status === 401 && hashing === "client" ? " (if the security plugin hashes passwords with PBKDF2 or Argon2, add ?password_hashing=server to the admin URL)" : "";
  throw new ProviderError("internal", `the new user ${JSON.stringify(http.user)} cannot log in: ${reply.status}${hint}`);
}

/** Revokes access first, then deletes every index under the prefix by name. Whatever is gone already is fine. */
async function release(request: ReleaseRequest): Promise<void> {
  const names = namesFor(request.dependencyId);
  const admin = adminTarget(request.target, request.signal);
  if (await hasSecurityPlugin(admin)) await revokeDependencyAccess(admin, names, request.progress);
  request.progress?.("deleting indices");
  await deleteIndices(admin.http, (await indicesUnder(admin.http, names.indexPrefix)).keys());
}

/** Managed OpenSearch: an index prefix per dependency, isolated by the security plugin when the target has it. */
export const opensearchProvider: Provider = defineProvider(
  { name: "@berth/provider-opensearch", version: "0.1.0", kinds: ["opensearch"], backupFormat: OPENSEARCH_FORMAT },
  { describeConnection: describeOpenSearch, realize, release, probe, backup, restore, describeContent },
);
