import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

// Read by every CLI call to find the dev server: keep this module free of heavy imports
// (no @berth/runtime), so a client command starts fast.

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

export const CREDENTIALS = "credentials.json";
const SERVER = "server.json";

export function writePrivate(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The dev credentials when a dev server was ever started in `home`. */
export function readDevCredentials(home: string): DevCredentials | undefined {
  const path = join(home, CREDENTIALS);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as DevCredentials) : undefined;
}

export function writeDevServerInfo(home: string, info: DevServerInfo): void {
  writePrivate(join(home, SERVER), info);
}

export function clearDevServerInfo(home: string): void {
  rmSync(join(home, SERVER), { force: true });
}

/** The running dev server, if its process is alive. */
export function readDevServerInfo(home: string): DevServerInfo | undefined {
  const path = join(home, SERVER);
  if (!existsSync(path)) return undefined;
  const info = JSON.parse(readFileSync(path, "utf8")) as DevServerInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}
