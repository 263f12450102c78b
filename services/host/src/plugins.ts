import { isProviderError, validateProviderModule, type Provider } from "@berth/provider-sdk";
import { ConfigError } from "./config.js";

/**
 * Loads third-party providers by npm package name. A plugin that is missing,
 * malformed or built for another SDK major stops start-up with a clear error.
 */
export async function loadProviderPlugins(names: string[]): Promise<Provider[]> {
  const providers: Provider[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      providers.push(validateProviderModule(name, await import(name)));
    } catch (error) {
      if (isProviderError(error)) problems.push(`providers: ${error.message}`);
      else problems.push(`providers: cannot load ${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); install it next to Berth`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return providers;
}
