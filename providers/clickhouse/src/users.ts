import { createHash, randomBytes } from "node:crypto";
import { rename, stat, unlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProviderError, redactSecrets } from "@berth/provider-sdk";
import { isClickHouseError, query, UNKNOWN_USER, WRONG_PASSWORD, type HttpEndpoint } from "./http.js";
import { hasSqlUsers, quoteIdentifier, quoteString } from "./sql.js";
import type { AdminTarget } from "./urls.js";

/** How long a users.d change may take to load: ClickHouse polls its config files every few seconds. */
const RELOAD_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

/** Creates and removes the per-dependency login, limited to its own database. */
export interface UserStore {
  readonly method: "users.d" | "sql";
  /** Creates the user or gives it a new password; returns once the server accepts the new password. */
  upsert(name: string, database: string, password: string, signal: AbortSignal): Promise<void>;
  /** Removes the user; succeeds when it is already gone. */
  remove(name: string, signal: AbortSignal): Promise<void>;
}

export function sha256Hex(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/**
 * Picks how users are made: a users.d file when the target names a users
 * directory (the only way before 20.4), SQL access control otherwise.
 */
export function userStoreFor(target: AdminTarget, version: string): UserStore {
  if (target.usersDir) return fileUserStore(target, target.usersDir, version);
  if (hasSqlUsers(version)) return sqlUserStore(target);
  throw new ProviderError(
    "unsupported",
    `ClickHouse ${version} has no SQL users (CREATE USER came in 20.4): add ?usersDir=<the users.d directory next to the server's users.xml> to the target's admin URL, on the server's host`,
  );
}

function fileUserStore(target: AdminTarget, usersDir: string, version: string): UserStore {
  const fileOf = (name: string) => join(usersDir, `${name}.xml`);
  return {
    method: "users.d",
    async upsert(name, database, password, signal) {
      const file = fileOf(name);
      try {
        // Written whole, then renamed, so the server never loads half a file. The server
        // notices a change by modification time in whole seconds: a rewrite within the
        // same second as the last one (a redelivered realize) would go unseen, so the new
        // file's time is set past the old one's.
        const previous = await stat(file).then((s) => Math.floor(s.mtimeMs / 1000), () => 0);
        await writeFile(`${file}.tmp`, usersXml(name, database, sha256Hex(password), target.networks), { mode: 0o644 });
        const seconds = Math.max(Math.floor(Date.now() / 1000), previous + 1);
        await utimes(`${file}.tmp`, seconds, seconds);
        await rename(`${file}.tmp`, file);
      } catch (error) {
        throw new ProviderError("internal", `cannot write the users.d file for ${name} in ${usersDir}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
      }
      const login = { ...target.endpoint, user: name, password, secrets: [...target.endpoint.secrets, password] };
      await waitFor(signal, `the server to load the users.d file for ${name} (is ${usersDir} the users.d next to its users.xml?)`, async () => {
        await query(login, "SELECT 1", { database, signal, timeoutMs: 5000 });
        return true;
      });
    },
    async remove(name, signal) {
      await unlink(fileOf(name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw new ProviderError("internal", `cannot remove the users.d file for ${name} in ${usersDir}: ${error.code ?? "error"}`);
      });
      await waitFor(signal, `the server to unload the user ${name}`, async () => !(await userExists(target.endpoint, name, version, signal)));
    },
  };
}

/** Whether the server knows `name`; a login with a throwaway password tells on 18.x, system.users on newer. */
async function userExists(admin: HttpEndpoint, name: string, version: string, signal: AbortSignal): Promise<boolean> {
  if (hasSqlUsers(version)) {
    const count = await query(admin, `SELECT count() FROM system.users WHERE name = ${quoteString(name)}`, { signal });
    return count.trim() !== "0";
  }
  const probe = { ...admin, user: name, password: randomBytes(12).toString("hex") };
  try {
    await query(probe, "SELECT 1", { signal, timeoutMs: 5000 });
    return true;
  } catch (error) {
    if (isClickHouseError(error, UNKNOWN_USER)) return false;
    if (isClickHouseError(error, WRONG_PASSWORD)) return true;
    throw error;
  }
}

function sqlUserStore(target: AdminTarget): UserStore {
  const hosts = target.networks.length === 1 && target.networks[0] === "::/0" ? "HOST ANY" : `HOST ${target.networks.map((n) => `IP ${quoteString(n)}`).join(", ")}`;
  return {
    method: "sql",
    async upsert(name, database, password, signal) {
      const hash = sha256Hex(password);
      // Only the hash is sent, so query logs never hold the password.
      const admin = { ...target.endpoint, secrets: [...target.endpoint.secrets, password, hash] };
      const identified = `IDENTIFIED WITH sha256_hash BY ${quoteString(hash)} ${hosts}`;
      await query(admin, `CREATE USER IF NOT EXISTS ${quoteIdentifier(name)} ${identified}`, { signal });
      await query(admin, `ALTER USER ${quoteIdentifier(name)} ${identified}`, { signal });
      await query(admin, `GRANT ALL ON ${quoteIdentifier(database)}.* TO ${quoteIdentifier(name)}`, { signal });
    },
    async remove(name, signal) {
      await query(target.endpoint, `DROP USER IF EXISTS ${quoteIdentifier(name)}`, { signal });
    },
  };
}

/** One user, allowed into one database only. The element names are Berth object names ([a-z0-9_]). */
export function usersXml(name: string, database: string, passwordSha256Hex: string, networks: string[]): string {
  return [
    `<?xml version="1.0"?>`,
    `<!-- Written by Berth for one managed dependency; removed when it is released. Do not edit. -->`,
    `<yandex>`,
    `  <users>`,
    `    <${name}>`,
    `      <password_sha256_hex>${passwordSha256Hex}</password_sha256_hex>`,
    `      <networks>${networks.map((n) => `<ip>${n}</ip>`).join("")}</networks>`,
    `      <profile>default</profile>`,
    `      <quota>default</quota>`,
    `      <allow_databases><database>${database}</database></allow_databases>`,
    `    </${name}>`,
    `  </users>`,
    `</yandex>`,
    ``,
  ].join("\n");
}

async function waitFor(signal: AbortSignal, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  let last = "";
  for (;;) {
    if (signal.aborted) throw new ProviderError("internal", "clickhouse request aborted");
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new ProviderError("internal", redactSecrets(`timed out after ${RELOAD_TIMEOUT_MS / 1000} s waiting for ${what}${last ? `; last answer: ${last}` : ""}`));
    }
    await sleep(POLL_MS);
  }
}
