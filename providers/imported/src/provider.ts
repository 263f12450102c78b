import {
  isProviderError,
  maskConnectionUrl,
  maskSafeMetadata,
  ProviderError,
  redactSecrets,
  secretPartsOfUrl,
  type ConnectionDescription,
  type Provider,
  type ProviderManifest,
} from "@berth/provider-sdk";
import { IMPORTABLE_KINDS, KIND_SPECS, type ImportableKind } from "./kinds/index.js";
import { parseConnectionUrl, type KindSpec, type ParsedConnectionUrl } from "./url.js";

/**
 * Imported connections belong to someone else: Berth only validates and records
 * them. Probing needs each engine's own login, so it is not done here: the
 * dependency service asks the provider that declares the kind's probe.
 */
const manifest: ProviderManifest = {
  name: "@berth/provider-imported",
  version: "0.1.0",
  sdkVersion: "^1.0.0",
  kinds: [...IMPORTABLE_KINDS],
  capabilities: { realize: false, release: false, probe: false, backup: false, restore: false, rotate: false },
};

function specFor(kind: string): KindSpec {
  if (!(IMPORTABLE_KINDS as readonly string[]).includes(kind)) {
    throw new ProviderError("unsupported", `kind "${kind}" cannot be imported; importable kinds: ${IMPORTABLE_KINDS.join(", ")}`);
  }
  return KIND_SPECS[kind as ImportableKind];
}

/**
 * Validates with the kind's rules. Metadata never holds a secret of the URL
 * (a user name equal to the password is masked). Messages are written never to
 * quote the URL; redacting its likely secrets once more guards against a
 * future message that does.
 */
function inspect(kind: string, url: string): { parsed: ParsedConnectionUrl; description: ConnectionDescription } {
  const spec = specFor(kind);
  try {
    const parsed = parseConnectionUrl(url, spec);
    return { parsed, description: { metadata: maskSafeMetadata(spec.metadata(parsed), url), maskedUrl: maskConnectionUrl(url) } };
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw new ProviderError(error.code, redactSecrets(error.message, secretPartsOfUrl(url)), { field: error.field });
  }
}

export const importedProvider: Provider = {
  manifest,
  describeConnection: (kind, connectionUrl) => inspect(kind, connectionUrl).description,
};
