import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, rmdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { DEV_HOME_FILES } from "@berth/client";
import { embeddedPostgresDir, POSTGRES_STATE } from "./embedded-postgres.js";

/**
 * Everything `berth dev` wrote for a BERTH_HOME: the files in the home and the
 * embedded Postgres data directory, wherever it lives (as root it is outside the
 * home, see embeddedPostgresDir). The shared copy of the Postgres binaries
 * (/var/tmp/berth-postgres-<version>) is not state and is kept.
 */
export function devStatePaths(home: string): string[] {
  const inHome = [DEV_HOME_FILES.credentials, POSTGRES_STATE, DEV_HOME_FILES.server, "artifacts", "postgres"].map((name) => join(home, name));
  const dataDirs = new Set([embeddedPostgresDir(home)]);
  const recorded = recordedDataDir(home);
  if (recorded) dataDirs.add(recorded);
  // Outside the home the data directory sits in a directory of its own (berth-dev-<hash>): remove that.
  const outside = [...dataDirs].filter((dir) => !dir.startsWith(`${home}/`)).map((dir) => (basename(dirname(dir)).startsWith("berth-dev-") ? dirname(dir) : dir));
  return [...inHome, ...outside].filter((path) => exists(path));
}

/**
 * Removes the dev state of `home` (see devStatePaths), then the home itself
 * when nothing else is left in it. Returns what it removed. The caller makes
 * sure no dev server of this home runs.
 */
export function resetDevHome(home: string): string[] {
  const removed = devStatePaths(home);
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  if (existsSync(home) && readdirSync(home).length === 0) {
    rmdirSync(home);
    removed.push(home);
  }
  return removed;
}

function recordedDataDir(home: string): string | undefined {
  const path = join(home, POSTGRES_STATE);
  if (!existsSync(path)) return undefined;
  try {
    const dataDir = (JSON.parse(readFileSync(path, "utf8")) as { dataDir?: unknown }).dataDir;
    return typeof dataDir === "string" && dataDir ? dataDir : undefined;
  } catch {
    return undefined;
  }
}

// lstat: a dangling symlink (data removed by hand) still counts, so it is removed too.
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
