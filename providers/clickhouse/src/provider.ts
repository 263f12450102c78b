import { randomBytes } from "node:crypto";
import {
  defineProvider,
  dependencyObjectName,
  type Provider,
  type RealizeRequest,
  type RealizeResult,
  type ReleaseRequest,
} from "@berth/provider-sdk";
import { describeContent } from "./content.js";
import { backup, CLICKHOUSE_FORMAT, restore } from "./dump.js";
import { query, type HttpEndpoint } from "./http.js";
import { probe } from "./probe.js";
import { quoteIdentifier } from "./sql.js";
import { userStoreFor } from "./users.js";
import { checkKind, describeClickHouse, parseAdminUrl } from "./urls.js";


async function serverVersion(admin: HttpEndpoint, signal: AbortSignal): Promise<string> {
  return (await query(admin, "SELECT version()", { signal })).trim();
}

/**
 * A database and a user allowed into it alone, both named `berth_<dependency id>`.
 * The delivered URL is the HTTP interface: `http://user:password@host:8123/database`.
 */
async function realize(request: RealizeRequest): Promise<RealizeResult> {
  checkKind(request.kind);
  const name = dependencyObjectName(request.dependencyId);
  const target = parseAdminUrl(request.target.adminUrl);
  const password = randomBytes(24).toString("base64url");
  const admin = { ...target.endpoint, secrets: [...target.endpoint.secrets, password] };
  const version = await serverVersion(admin, request.signal);
  const users = userStoreFor(target, version);
  if (!target.endpoint.password) {
    // url() runs on the server: a passwordless admin is reachable from every dependency user.
    request.progress?.("warning: the target's admin user has no password, so any dependency user can reach all data through the url() table function");
  }
  request.progress?.("creating database");
  await query(admin, `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(name)}`, { signal: request.signal });
  request.progress?.(users.method === "sql" ? "creating user" : "writing the user's users.d file and waiting for the server to load it");
  // Idempotent: a rerun gives the existing user a fresh password, and Berth stores the one returned.
  await users.upsert(name, name, password, request.signal);
  const url = new URL(`${target.protocol}//placeholder@${request.target.publicHost ?? target.hostname}:${target.port}/${name}`);
  url.username = name;
  url.password = password;
  const connectionUrl = url.toString();
  return { connectionUrl, metadata: describeClickHouse(request.kind, connectionUrl).metadata };
}

async function release(request: ReleaseRequest): Promise<void> {
  checkKind(request.kind);
  const name = dependencyObjectName(request.dependencyId);
  const target = parseAdminUrl(request.target.adminUrl);
  const version = await serverVersion(target.endpoint, request.signal);
  request.progress?.("removing user");
  await userStoreFor(target, version).remove(name, request.signal);
  request.progress?.("dropping database");
  await query(target.endpoint, `DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`, { signal: request.signal });
}

/** Managed ClickHouse over its HTTP interface: realize, release, probe, native backup and in-place restore. */
export const clickhouseProvider: Provider = defineProvider(
  { name: "@berth/provider-clickhouse", version: "0.1.0", kinds: ["clickhouse"], backupFormat: CLICKHOUSE_FORMAT },
  { describeConnection: describeClickHouse, realize, release, probe, backup, restore, describeContent },
);
