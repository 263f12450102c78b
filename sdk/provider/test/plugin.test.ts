import { describe, expect, it } from "vitest";
import { isProviderError, ProviderError } from "../src/errors.js";
import { validateProviderModule } from "../src/plugin.js";
import type { Provider, ProviderManifest } from "../src/provider.js";
import { isSdkVersionCompatible, PROVIDER_SDK_VERSION } from "../src/version.js";

const MODULE = "@acme/berth-provider-mongodb";

function manifest(overrides: Partial<ProviderManifest> = {}): ProviderManifest {
  return {
    name: MODULE,
    version: "1.2.0",
    sdkVersion: "^1.0.0",
    kinds: ["mongodb"],
    capabilities: { realize: false, release: false, probe: true, backup: false, restore: false, rotate: false },
    ...overrides,
  };
}

function validProvider(overrides: Partial<Provider> = {}): Provider {
  return {
    manifest: manifest(),
    describeConnection: () => ({ metadata: { host: "mongo.internal" }, maskedUrl: "mongodb://app:****@mongo.internal/app" }),
    ...overrides,
  };
}

/** Runs validateProviderModule, expects it to throw a ProviderError, and returns it. */
function rejection(loaded: unknown, moduleName = MODULE): ProviderError {
  try {
    validateProviderModule(moduleName, loaded);
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error("expected validateProviderModule to throw");
}

describe("validateProviderModule", () => {
  it("returns the exported provider of a valid module", () => {
    const provider = validProvider();
    expect(validateProviderModule(MODULE, { provider, manifest: provider.manifest })).toBe(provider);
  });

  it.each([
    ["an empty module", {}],
    ["a module exporting only a manifest", { manifest: manifest() }],
    ["a module whose provider export is a string", { provider: "mongodb" }],
    ["a null module", null],
    ["an undefined module", undefined],
  ])("rejects %s: no `provider` export", (_what, loaded) => {
    const error = rejection(loaded);
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(MODULE);
    expect(error.message).toContain("does not export `provider`");
  });

  it.each([
    ["no manifest", { manifest: undefined }],
    ["a manifest without kinds", { manifest: { ...manifest(), kinds: undefined as unknown as string[] } }],
    ["a manifest with an empty kinds list", { manifest: manifest({ kinds: [] }) }],
    ["a manifest without a name", { manifest: { ...manifest(), name: undefined as unknown as string } }],
  ])("rejects a provider with %s", (_what, overrides) => {
    const error = rejection({ provider: validProvider(overrides as Partial<Provider>) });
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(MODULE);
    expect(error.message).toContain("manifest");
  });

  it.each(["^2.0.0", "0.9", "banana"])("rejects sdkVersion %s, naming the module, the declared range and this SDK's version", (sdkVersion) => {
    const error = rejection({ provider: validProvider({ manifest: manifest({ sdkVersion }) }) });
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(MODULE);
    expect(error.message).toContain(sdkVersion);
    expect(error.message).toContain(PROVIDER_SDK_VERSION);
  });

  it("rejects a manifest with no sdkVersion", () => {
    const error = rejection({ provider: validProvider({ manifest: { ...manifest(), sdkVersion: undefined as unknown as string } }) });
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(MODULE);
  });

  it("rejects a provider that does not implement describeConnection", () => {
    const provider = { manifest: manifest() };
    const error = rejection({ provider });
    expect(error.code).toBe("invalid_input");
    expect(error.message).toContain(MODULE);
    expect(error.message).toContain("describeConnection");
  });

  it("names whichever module it was given", () => {
    expect(rejection({}, "./plugins/local-provider.js").message).toContain("./plugins/local-provider.js");
  });
});

describe("isSdkVersionCompatible", () => {
  it.each(["^1.0.0", "1.x", "1", "1.0.0", "^1.4.2", "1.*", " ^1.0.0 "])("accepts %j", (range) => {
    expect(isSdkVersionCompatible(range)).toBe(true);
  });

  it.each(["^2.0.0", "2.x", "0.9", "^0.9.0", "banana", "", ">=1.0.0", "1.0.0.0", "11"])("rejects %j", (range) => {
    expect(isSdkVersionCompatible(range)).toBe(false);
  });
});

describe("isProviderError", () => {
  it("recognizes a ProviderError from this copy of the SDK", () => {
    expect(isProviderError(new ProviderError("not_found", "database is gone"))).toBe(true);
  });

  it("recognizes an error from another copy of the SDK by its Symbol.for brand", () => {
    // What a plugin bundling its own copy of the SDK would throw: a different class, same global symbol.
    const foreign = Object.assign(new Error("connection refused"), {
      name: "ProviderError",
      code: "target_unavailable",
      [Symbol.for("berth.provider-sdk.ProviderError")]: true,
    });
    expect(foreign).not.toBeInstanceOf(ProviderError);
    expect(isProviderError(foreign)).toBe(true);
  });

  it.each([
    ["a plain Error", new Error("boom")],
    ["an error with a look-alike non-global symbol", Object.assign(new Error("x"), { [Symbol("berth.provider-sdk.ProviderError")]: true })],
    ["an object whose brand is not exactly true", { [Symbol.for("berth.provider-sdk.ProviderError")]: "yes" }],
    ["an object with a code but no brand", { code: "invalid_input", message: "x" }],
    ["null", null],
    ["a string", "invalid_input"],
  ])("rejects %s", (_what, value) => {
    expect(isProviderError(value)).toBe(false);
  });
});
