import { ErrorReason } from "@berth/client";
import type { Provider, ProviderManifest, RealizationTarget } from "@berth/provider-sdk";
import { BerthError } from "@berth/runtime";
import { withSafeOutput } from "./safe-provider.js";

/**
 * Which provider realizes each kind, which validates imported connections of
 * each kind, and the realization targets (operator config) per kind.
 */
export class ProviderRegistry {
  private readonly managed = new Map<string, Provider>();
  private readonly importers = new Map<string, Provider>();
  private readonly probers = new Map<string, Provider>();

  constructor(
    providers: Provider[],
    private readonly targets: RealizationTarget[],
    importer?: Provider,
  ) {
    providers = providers.map(withSafeOutput);
    importer = importer && withSafeOutput(importer);
    for (const provider of providers) {
      for (const kind of provider.manifest.kinds) {
        if (provider.realize && !this.managed.has(kind)) this.managed.set(kind, provider);
        if (!this.importers.has(kind)) this.importers.set(kind, provider);
        if (canProbe(provider) && !this.probers.has(kind)) this.probers.set(kind, provider);
      }
    }
    // The imported provider knows every built-in kind's URL rules; it wins for those.
    if (importer) for (const kind of importer.manifest.kinds) this.importers.set(kind, importer);
    // Probing means logging in, which only the engine's own provider can do: the
    // importer probes a kind only when no provider for it declares probe.
    if (importer && canProbe(importer)) for (const kind of importer.manifest.kinds) if (!this.probers.has(kind)) this.probers.set(kind, importer);
    for (const target of targets) {
      if (!this.managed.has(target.kind)) {
        throw new Error(`realization target ${target.name} is for kind ${target.kind}, but no loaded provider realizes ${target.kind}`);
      }
    }
  }

  manifests(): ProviderManifest[] {
    const seen = new Set<Provider>([...this.managed.values(), ...this.importers.values()]);
    return [...seen].map((p) => p.manifest);
  }

  knownKinds(): string[] {
    return [...new Set([...this.managed.keys(), ...this.importers.keys()])].sort();
  }

  /** The provider that validates `kind` connection URLs. */
  importerFor(kind: string): Provider {
    const provider = this.importers.get(kind);
    if (!provider) throw unsupportedKind(kind, this.knownKinds());
    return provider;
  }

  /** The provider that probes `kind` connections (logs in with them), or throws dependency_kind_unsupported. */
  proberFor(kind: string): Provider {
    const provider = this.probers.get(kind);
    if (!provider) {
      if (!this.importers.has(kind) && !this.managed.has(kind)) throw unsupportedKind(kind, this.knownKinds());
      throw new BerthError(ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED, `no loaded provider can probe ${kind} connections`, {
        fieldViolations: [{ field: "probe", description: `not supported for kind ${kind}` }],
        metadata: { kind },
      });
    }
    return provider;
  }

  /** The provider that realizes `kind`, or throws dependency_kind_unsupported. */
  managedFor(kind: string): Provider {
    const provider = this.managed.get(kind);
    if (!provider) throw unsupportedKind(kind, [...this.managed.keys()], "managed");
    return provider;
  }

  /**
   * Every configured realization target by kind and name, as anyone may see it:
   * name, kind, the provider that realizes on it and whether it is its kind's
   * default (the first configured). Never its admin URL.
   */
  realizationTargets(): Array<{ name: string; kind: string; provider: string; isDefault: boolean }> {
    return this.targets
      .map((t) => ({
        name: t.name,
        kind: t.kind,
        provider: this.managed.get(t.kind)?.manifest.name ?? "",
        isDefault: this.targets.find((other) => other.kind === t.kind) === t,
      }))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  }

  /** The named target, or the first one configured for the kind. */
  targetFor(kind: string, name: string): RealizationTarget {
    const candidates = this.targets.filter((t) => t.kind === kind);
    const target = name ? candidates.find((t) => t.name === name) : candidates[0];
    if (!target) {
      const known = candidates.map((t) => t.name).join(", ") || "none";
      throw new BerthError(
        ErrorReason.ERROR_REASON_REALIZATION_TARGET_UNAVAILABLE,
        name
          ? `no realization target named ${name} for kind ${kind} (configured: ${known}; see \`berth target list\`)`
          : `no realization target is configured for kind ${kind}: an operator adds one under \`targets:\` in the server config (see README "Realization targets"; \`berth target list\` shows what this server has)`,
        { metadata: { kind } },
      );
    }
    return target;
  }
}

function canProbe(provider: Provider): boolean {
  return provider.manifest.capabilities.probe && typeof provider.probe === "function";
}

function unsupportedKind(kind: string, known: string[], mode = "any"): BerthError {
  return new BerthError(
    ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED,
    `kind ${JSON.stringify(kind)} is not supported${mode === "managed" ? " for managed provisioning" : ""}; supported: ${known.join(", ") || "none"}`,
    { fieldViolations: [{ field: "kind", description: `must be one of: ${known.join(", ")}` }], metadata: { kind } },
  );
}
