import { describe, expect, it } from "vitest";
import type { Provider } from "@berth/provider-sdk";
import { withSafeOutput } from "../src/safe-provider.js";

const S = "Pl4nted-S3cret-5b9d0e";

/** A careless third-party provider: it shows the URL as given and copies the userinfo into metadata. */
const careless: Provider = {
  manifest: {
    name: "@acme/careless",
    version: "1.0.0",
    sdkVersion: "^1.0.0",
    kinds: ["kv"],
    capabilities: { realize: true, release: false, probe: false, backup: false, restore: false, rotate: false },
  },
  describeConnection: (_kind, url) => ({ metadata: { host: new URL(url).hostname, user: decodeURIComponent(new URL(url).username) }, maskedUrl: url }),
  realize: async () => ({ connectionUrl: `redis://${S}@kv.internal/0`, metadata: { host: "kv.internal", login: S } }),
};

describe("withSafeOutput", () => {
  it("replaces a masked URL that still holds a secret and masks metadata equal to it", () => {
    const described = withSafeOutput(careless).describeConnection("kv", `redis://${S}@kv.internal/0?x=1#frag`);
    expect(described).toEqual({ metadata: { host: "kv.internal", user: "****" }, maskedUrl: "redis://****@kv.internal/0?x=****#****" });
  });

  it("masks realized metadata against the realized connection URL", async () => {
    const realized = await withSafeOutput(careless).realize!({ dependencyId: "dep_x", name: "x", kind: "kv", target: { name: "t", kind: "kv", adminUrl: "redis://h" }, signal: AbortSignal.timeout(5_000) });
    expect(realized.metadata).toEqual({ host: "kv.internal", login: "****" });
    expect(realized.connectionUrl).toContain(S);
  });

  it("keeps a provider's own masked URL when it holds no secret, and its other members", () => {
    const tidy: Provider = { ...careless, describeConnection: () => ({ metadata: { host: "kv.internal" }, maskedUrl: "kv://kv.internal (tidy)" }) };
    const safe = withSafeOutput(tidy);
    expect(safe.describeConnection("kv", `redis://:${S}@kv.internal`).maskedUrl).toBe("kv://kv.internal (tidy)");
    expect(safe.manifest).toBe(tidy.manifest);
    expect(safe.probe).toBeUndefined();
  });
});
