import { randomBytes } from "node:crypto";
import type { RealizeRequest, RealizeResult, ReleaseRequest } from "@berth/provider-sdk";
import { aclRules, keyPrefixFor, passwordHash, userNameFor } from "./acl.js";
import { RedisAdmin } from "./admin.js";
import { prefixPattern } from "./keys.js";

/**
 * A managed dependency: an ACL user `berth_<id>` that may touch only keys and
 * channels under `berth_<id>:`, in database 0. Idempotent: a rerun resets the
 * user with a fresh password and keeps the keys.
 */
export async function realize(request: RealizeRequest): Promise<RealizeResult> {
  const name = userNameFor(request.dependencyId);
  const password = randomBytes(24).toString("base64url");
  const admin = await RedisAdmin.connect(request.target.adminUrl, [password, passwordHash(password)], request.signal);
  try {
    request.progress?.(`creating ACL user ${name}`);
    await admin.setUser(name, aclRules(name, password));
    for (const warning of [await admin.persistUsers(), await admin.payloadSanitizingWarning()]) {
      if (warning) request.progress?.(`warning: ${warning}`);
    }
  } finally {
    admin.close();
  }
  const adminUrl = new URL(request.target.adminUrl);
  const url = new URL(`${adminUrl.protocol}//placeholder@${hostForUrl(request.target.publicHost ?? adminUrl.hostname)}:${adminUrl.port || "6379"}/0`);
  url.username = name;
  url.password = password;
  return {
    connectionUrl: url.toString(),
    metadata: { host: url.hostname, port: url.port || "6379", user: name, keyPrefix: keyPrefixFor(name), database: "0" },
  };
}

/**
 * Disconnects and deletes the user, then UNLINKs its keys (after the user is
 * gone, so nothing writes new ones meanwhile). Names come from the dependency
 * id alone, never from metadata. Releasing what is gone succeeds.
 */
export async function release(request: ReleaseRequest): Promise<void> {
  const name = userNameFor(request.dependencyId);
  const admin = await RedisAdmin.connect(request.target.adminUrl, [], request.signal);
  try {
    request.progress?.(`deleting ACL user ${name}`);
    await admin.deleteUser(name);
    request.progress?.(`deleting keys ${keyPrefixFor(name)}*`);
    const deleted = await admin.deleteKeys(prefixPattern(keyPrefixFor(name)), request.signal);
    request.progress?.(`deleted ${deleted} keys`);
    const warning = await admin.persistUsers();
    if (warning) request.progress?.(`warning: ${warning}`);
  } finally {
    admin.close();
  }
}

/** An IPv6 literal needs brackets inside a URL. */
function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
