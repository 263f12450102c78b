import { BUILT_IN_CONNECTION_URL_RULES, builtInConnectionUrlRule, describeConnectionUrl, ProviderError, type Provider, type ProviderManifest } from "@berth/provider-sdk";

/** Kinds Berth can import as external connections: every kind with a built-in URL rule, in the SDK's order. */
export const IMPORTABLE_KINDS: readonly string[] = BUILT_IN_CONNECTION_URL_RULES.map((rule) => rule.kind);

/**
 * Imported connections belong to someone else: Berth only validates and records
 * them, with the same per-kind URL rules the kind's own provider uses (the SDK's).
 * Probing needs each engine's own login, so it is not done here: the
 * dependency service asks the provider that declares the kind's probe.
 */
const manifest: ProviderManifest = {
  name: "@berth/provider-imported",
  version: "0.1.0",
  sdkVersion: "^1.0.0",
  kinds: [...IMPORTABLE_KINDS],
  capabilities: { realize: false, release: false, probe: false, backup: false, restore: false, rotate: false },
};

export const importedProvider: Provider = {
  manifest,
  describeConnection(kind, connectionUrl) {
    if (!IMPORTABLE_KINDS.includes(kind)) {
      throw new ProviderError("unsupported", `kind "${kind}" cannot be imported; importable kinds: ${IMPORTABLE_KINDS.join(", ")}`);
    }
    return describeConnectionUrl(connectionUrl, builtInConnectionUrlRule(kind));
  },
};
