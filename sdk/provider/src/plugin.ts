import { ProviderError } from "./errors.js";
import type { Provider } from "./provider.js";
import { isSdkVersionCompatible, PROVIDER_SDK_VERSION } from "./version.js";

/**
 * Checks that a loaded module is a provider built for this SDK: it must export
 * `provider` with a manifest naming kinds and a compatible `sdkVersion`.
 * Throws ProviderError("invalid_input") saying what is wrong and how to fix it.
 */
export function validateProviderModule(moduleName: string, loaded: unknown): Provider {
  const candidate = (loaded as { provider?: unknown } | null)?.provider;
  if (typeof candidate !== "object" || candidate === null) {
    throw new ProviderError("invalid_input", `provider plugin ${moduleName} does not export \`provider\``);
  }
  const provider = candidate as Partial<Provider>;
  const manifest = provider.manifest;
  if (!manifest || typeof manifest.name !== "string" || !Array.isArray(manifest.kinds) || manifest.kinds.length === 0) {
    throw new ProviderError("invalid_input", `provider plugin ${moduleName} has no valid manifest (name and kinds are required)`);
  }
  if (typeof manifest.sdkVersion !== "string" || !isSdkVersionCompatible(manifest.sdkVersion)) {
    throw new ProviderError(
      "invalid_input",
      `provider plugin ${moduleName} was built for provider SDK ${String(manifest.sdkVersion)}, but this Berth implements ${PROVIDER_SDK_VERSION}; upgrade the plugin or Berth`,
    );
  }
  if (manifest.injectable !== undefined && typeof manifest.injectable !== "boolean") {
    throw new ProviderError("invalid_input", `provider plugin ${moduleName} has a manifest whose injectable is not true or false`);
  }
  if (typeof provider.describeConnection !== "function") {
    throw new ProviderError("invalid_input", `provider plugin ${moduleName} does not implement describeConnection`);
  }
  return provider as Provider;
}
