import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

// The files `berth dev` keeps in $BERTH_HOME, read and written only here: the dev server writes
// them, and every client (the CLI on each call) reads them to find that server and its token
// without flags. Here, not in @berth/host, so a client finds a dev server without installing
// the services; keep it free of heavy imports.

/** Where `berth dev` keeps its state: $BERTH_HOME, default ~/.berth. */
export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_HOME || join(homedir(), ".berth");
}

/** Generated once per BERTH_HOME, stored 0600. */
export interface DevCredentials {
  adminToken: string;
  internalToken: string;
  masterKey: string;
}

/** Written while `berth dev` runs, so the CLI finds the server without flags. */
export interface DevServerInfo {
  address: string;
  pid: number;
  startedAt: string;
}

/** The names of the files in a dev home that this module reads and writes. */
export const DEV_HOME_FILES = { credentials: "credentials.json", server: "server.json" } as const;

function writePrivate(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The dev credentials when a dev server was ever started in `home`. */
export function readDevCredentials(home: string): DevCredentials | undefined {
  const path = join(home, DEV_HOME_FILES.credentials);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as DevCredentials) : undefined;
}

/** Stores the dev credentials of `home` (0600); the home must exist. */
export function writeDevCredentials(home: string, credentials: DevCredentials): void {
  writePrivate(join(home, DEV_HOME_FILES.credentials), credentials);
}

export function writeDevServerInfo(home: string, info: DevServerInfo): void {
  writePrivate(join(home, DEV_HOME_FILES.server), info);
}

export function clearDevServerInfo(home: string): void {
  rmSync(join(home, DEV_HOME_FILES.server), { force: true });
}

/** The running dev server, if its process is alive. */
export function readDevServerInfo(home: string): DevServerInfo | undefined {
  const path = join(home, DEV_HOME_FILES.server);
  if (!existsSync(path)) return undefined;
  const info = JSON.parse(readFileSync(path, "utf8")) as DevServerInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}
