import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseBerthConfig, type ParseBerthConfigOptions } from "./parse.js";
import type { BerthConfig } from "./types.js";

/**
 * Reads, parses and validates a berth.yaml, and resolves a relative `run.cwd`
 * against the file's directory. An absent `cwd` stays absent (the runtime
 * target's default), so deploying from another checkout or a CI runner does not
 * make the resource differ. Error messages name the file as `path` is given.
 *
 * @throws BerthConfigError when the file is invalid; the file system's own error
 *   (e.g. `code: "ENOENT"`) when it cannot be read.
 * @example
 * const config = await loadBerthConfig("berth.yaml");
 * config.run?.cwd; // "/home/me/shop" for `cwd: .`; undefined when berth.yaml has none
 */
export async function loadBerthConfig(path: string, options: Pick<ParseBerthConfigOptions, "kinds"> = {}): Promise<BerthConfig> {
  const text = await readFile(path, "utf8");
  const config = parseBerthConfig(text, { file: path, kinds: options.kinds });
  if (config.run?.cwd !== undefined && !isAbsolute(config.run.cwd)) {
    config.run.cwd = resolve(dirname(resolve(path)), config.run.cwd);
  }
  return config;
}
