import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseBerthConfig } from "./parse.js";
import type { BerthConfig } from "./types.js";

/**
 * Reads, parses and validates a berth.yaml, and resolves `run.cwd` against the
 * file's directory (the directory itself when `cwd` is absent). Error messages
 * name the file as `path` is given.
 *
 * @throws BerthConfigError when the file is invalid; the file system's own error
 *   (e.g. `code: "ENOENT"`) when it cannot be read.
 * @example
 * const config = await loadBerthConfig("berth.yaml");
 * config.run?.cwd; // "/home/me/shop" for `cwd: .`
 */
export async function loadBerthConfig(path: string): Promise<BerthConfig> {
  const text = await readFile(path, "utf8");
  const config = parseBerthConfig(text, { file: path });
  if (config.run) {
    const cwd = config.run.cwd ?? ".";
    config.run.cwd = isAbsolute(cwd) ? cwd : resolve(dirname(resolve(path)), cwd);
  }
  return config;
}
