import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PROVIDERS = join(REPO_ROOT, "providers");
const providerDirs = readdirSync(PROVIDERS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const providerPackages = new Set(providerDirs.map((dir) => (JSON.parse(readFileSync(join(PROVIDERS, dir, "package.json"), "utf8")) as { name: string }).name));

describe("providers depend only on the SDK", () => {
  it("no provider package.json names another provider package", () => {
    const offending = providerDirs.flatMap((dir) => {
      const pkg = JSON.parse(readFileSync(join(PROVIDERS, dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
      const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies };
      return Object.keys(deps).filter((name) => providerPackages.has(name)).map((name) => `${dir} → ${name}`);
    });
    expect(offending).toEqual([]);
  });

  it("the lint rule refuses a provider importing another provider, and allows the SDK", async () => {
    const eslint = new ESLint({ cwd: REPO_ROOT });
    const file = join(PROVIDERS, "redis/src/example-lint-probe.ts");
    const lint = async (code: string) => (await eslint.lintText(code, { filePath: file }))[0].messages.filter((m) => m.ruleId === "no-restricted-imports");
    const refused = await lint('import { importedProvider } from "@berth/provider-imported";\nexport const x = importedProvider;\n');
    expect(refused.map((m) => m.message)).toEqual([expect.stringContaining("depends only on @berth/provider-sdk")]);
    expect(await lint('import { describeConnectionUrl } from "@berth/provider-sdk";\nexport const x = describeConnectionUrl;\n')).toEqual([]);
  }, 60_000);
});
