import { describe, expect, it } from "vitest";
import { defineProvider } from "../src/define-provider.js";
import { validateProviderModule } from "../src/plugin.js";
import { PROVIDER_SDK_VERSION } from "../src/version.js";

const describeConnection = () => ({ metadata: { host: "mongo.internal" }, maskedUrl: "mongodb://app:****@mongo.internal/app" });
const noop = async () => undefined;

describe("defineProvider", () => {
  it("declares exactly the capabilities whose verbs it is given, for this SDK's contract", () => {
    const provider = defineProvider({ name: "@acme/berth-provider-mongodb", version: "1.2.0", kinds: ["mongodb"] }, { describeConnection, probe: noop });
    expect(provider.manifest).toEqual({
      name: "@acme/berth-provider-mongodb",
      version: "1.2.0",
      sdkVersion: `^${PROVIDER_SDK_VERSION}`,
      kinds: ["mongodb"],
      capabilities: { realize: false, release: false, probe: true, backup: false, restore: false, rotate: false },
    });
    expect(provider.probe).toBe(noop);
    expect(validateProviderModule("@acme/berth-provider-mongodb", { provider })).toBe(provider);
  });

  it("a provider that backs up, restores and counts content declares the backup format, manifests and transactional restore", () => {
    const backup = async () => ({ format: "mongodump-v1" });
    const describeContent = async () => ({ entries: [], totals: { count: 0 } });
    const provider = defineProvider(
      { name: "@acme/berth-provider-mongodb", version: "1.2.0", kinds: ["mongodb"], backupFormat: "mongodump-v1", transactionalRestore: true, injectable: false },
      { describeConnection, realize: async () => ({ metadata: {}, connectionUrl: "mongodb://x" }), release: noop, backup, restore: noop, describeContent },
    );
    expect(provider.manifest.capabilities).toEqual({
      realize: true,
      release: true,
      probe: false,
      backup: true,
      restore: true,
      rotate: false,
      backupFormat: "mongodump-v1",
      transactionalRestore: true,
      manifest: true,
    });
    expect(provider.manifest.injectable).toBe(false);
    expect(provider.backup).toBe(backup);
    expect(provider.describeContent).toBe(describeContent);
  });
});
