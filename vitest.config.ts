import { defineConfig } from "vitest/config";

// Tests run against package sources (the "berth-source" export condition), so no
// build is needed except for end-to-end tests, which drive the built `berth` CLI.
export default defineConfig({
  resolve: { conditions: ["berth-source"] },
  ssr: { resolve: { conditions: ["berth-source"] } },
  test: {
    include: ["sdk/*/test/**/*.test.ts", "services/*/test/**/*.test.ts", "providers/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
  },
});
