import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "sdk/client/src/gen/**", "**/*.config.ts", "test/bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", Buffer: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly", AbortController: "readonly", AbortSignal: "readonly", NodeJS: "readonly" } },
    rules: {
      // Packages talk through their index.ts only (explicit public surface).
      "no-restricted-imports": ["error", { patterns: [{ group: ["@berth/*/src/*", "@berth/*/dist/*"], message: "import the package's public entry (@berth/x), not its files" }] }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    // Providers depend only on the SDK: shared per-kind rules live there, so a third party gets them too.
    files: ["providers/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@berth/*/src/*", "@berth/*/dist/*"], message: "import the package's public entry (@berth/x), not its files" },
            { group: ["@berth/provider-*", "!@berth/provider-sdk", "!@berth/provider-sdk/*"], message: "a provider depends only on @berth/provider-sdk, never on another provider; shared rules belong in the SDK" },
          ],
        },
      ],
    },
  },
);
