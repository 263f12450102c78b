import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { generateMasterKeySpec } from "@berth/runtime";

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

const CREDENTIALS = "credentials.json";
const SERVER = "server.json";

function writePrivate(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function loadOrCreateDevCredentials(home: string): DevCredentials {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, CREDENTIALS);
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as DevCredentials;
  const credentials: DevCredentials = {
    adminToken: `bta_${randomBytes(24).toString("base64url")}`,
    internalToken: `bti_${randomBytes(24).toString("base64url")}`,
    masterKey: generateMasterKeySpec(),
  };
  writePrivate(path, credentials);
  return credentials;
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
