#!/usr/bin/env node
// Writes sdk/deploy/schema/berth.schema.json from the zod schema in src/config.
//   node sdk/deploy/scripts/write-schema.mjs           regenerate
//   node sdk/deploy/scripts/write-schema.mjs --check   exit 1 when the committed file is stale
// Node 20 cannot import TypeScript, so the schema module is bundled with the
// workspace's esbuild (it comes with tsup) into a temp file first.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(packageDir, "schema", "berth.schema.json");
const isCheck = process.argv.includes("--check");

function findEsbuild(from) {
  for (let dir = from; ; dir = dirname(dir)) {
    // pnpm links esbuild (tsup's dependency) under node_modules/.pnpm/node_modules, not .bin.
    for (const candidate of [join(dir, "node_modules", ".bin", "esbuild"), join(dir, "node_modules", ".pnpm", "node_modules", "esbuild", "bin", "esbuild")]) {
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) throw new Error("esbuild not found; run pnpm install at the repository root");
  }
}

const work = mkdtempSync(join(tmpdir(), "berth-schema-"));
try {
  const bundle = join(work, "json-schema.mjs");
  const built = spawnSync(findEsbuild(packageDir), [join(packageDir, "src/config/json-schema.ts"), "--bundle", "--platform=node", "--format=esm", `--outfile=${bundle}`, "--log-level=warning"], {
    cwd: packageDir,
    stdio: "inherit",
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const { renderBerthConfigJsonSchema } = await import(pathToFileURL(bundle).href);
  const text = renderBerthConfigJsonSchema();
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (isCheck) {
    if (current !== text) {
      console.error("sdk/deploy/schema/berth.schema.json is stale; regenerate it: node sdk/deploy/scripts/write-schema.mjs");
      process.exit(1);
    }
    console.log("sdk/deploy/schema/berth.schema.json is current");
  } else if (current === text) {
    console.log("sdk/deploy/schema/berth.schema.json is current");
  } else {
    writeFileSync(target, text);
    console.log("wrote sdk/deploy/schema/berth.schema.json");
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
