import { BUILT_IN_CONNECTION_URL_RULES, builtInConnectionUrlRule, defineProvider, describeConnectionUrl, ProviderError, type Provider } from "@berth/provider-sdk";

/** Kinds Berth can import as external connections: every kind with a built-in URL rule, in the SDK's order. */
export const IMPORTABLE_KINDS: readonly string[] = BUILT_IN_CONNECTION_URL_RULES.map((rule) => rule.kind);

/**
 * Imported connections belong to someone else: Berth only validates and records
 * them, with the same per-kind URL rules the kind's own provider uses (the SDK's).
 * Probing needs each engine's own login, so it is not done here: the
 * dependency service asks the provider that declares the kind's probe.
 */
export const importedProvider: Provider = defineProvider({ name: "@berth/provider-imported", version: "0.1.0", kinds: [...IMPORTABLE_KINDS] }, {
  describeConnection(kind, connectionUrl) {
    if (!IMPORTABLE_KINDS.includes(kind)) {
      throw new ProviderError("unsupported", `kind "${kind}" cannot be imported; importable kinds: ${IMPORTABLE_KINDS.join(", ")}`);
    }
    return describeConnectionUrl(connectionUrl, builtInConnectionUrlRule(kind));
  },
});
