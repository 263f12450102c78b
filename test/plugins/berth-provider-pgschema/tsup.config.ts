import { defineConfig } from "tsup";

// The SDK is bundled in: it has no dependencies of its own, and its error brand
// (isProviderError) works across copies, so the published package needs only `pg`.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  noExternal: ["@berth/provider-sdk"],
});
