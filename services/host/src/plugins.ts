import { isAbsolute, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { resolve as resolveModule } from "import-meta-resolve";
import { isProviderError, validateProviderModule, type Provider } from "@berth/provider-sdk";
import { ConfigError } from "./config.js";

/**
 * Where a configured plugin lives. A path (absolute, or ./relative to the working
 * directory) is loaded as is; a package name is resolved the way Node resolves an
 * import, first from the working directory (a plugin installed next to Berth's
 * config: `npm install @acme/berth-provider-x`), then from Berth's own install.
 */
export function resolvePlugin(name: string, cwd = process.cwd()): string {
  if (isAbsolute(name) || name.startsWith("./") || name.startsWith("../")) return pathToFileURL(resolvePath(cwd, name)).href;
  const parents = [pathToFileURL(`${resolvePath(cwd)}/`).href, import.meta.url];
  let lastError: unknown;
  for (const parent of parents) {
    try {
      return resolveModule(name, parent);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/**
 * Loads third-party providers by npm package name or path. A plugin that is
 * missing, malformed, built for another SDK major, or claims a kind that another
 * provider already handles (`takenKinds`: the built-in ones) stops start-up with a
 * clear error: one provider per kind, never a silent shadow.
 */
export async function loadProviderPlugins(names: string[], cwd = process.cwd(), takenKinds: ReadonlyMap<string, string> = new Map()): Promise<Provider[]> {
  const providers: Provider[] = [];
  const problems: string[] = [];
  const owners = new Map(takenKinds);
  for (const name of names) {
    try {
      const provider = validateProviderModule(name, await import(resolvePlugin(name, cwd)));
      const clashes = provider.manifest.kinds.filter((kind) => owners.has(kind));
      if (clashes.length > 0) {
        problems.push(`providers: ${name} declares kind ${clashes.map((k) => `${k} (already handled by ${owners.get(k)})`).join(", ")}; one provider per kind`);
        continue;
      }
      for (const kind of provider.manifest.kinds) owners.set(kind, name);
      providers.push(provider);
    } catch (error) {
      if (isProviderError(error)) problems.push(`providers: ${error.message}`);
      else {
        const code = (error as NodeJS.ErrnoException).code;
        problems.push(
          code === "ERR_MODULE_NOT_FOUND"
            ? `providers: cannot find ${name}; install it where Berth runs (npm install ${name}) or give a path to its entry file`
            : `providers: cannot load ${name} (${code ?? (error as Error).message})`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return providers;
}
