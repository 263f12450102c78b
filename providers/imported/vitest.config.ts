import { defineConfig } from "vitest/config";

// Resolve workspace packages to their sources, as the root config does, without
// the root config's global setup (not needed for these network-free unit tests).
export default defineConfig({
  resolve: { conditions: ["berth-source"] },
  ssr: { resolve: { conditions: ["berth-source"] } },
});
