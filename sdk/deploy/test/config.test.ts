import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErrorReason, reasonCode } from "@berth/client";
import {
  BUILT_IN_DEPENDENCY_KINDS,
  BerthConfigError,
  CONFIG_INVALID,
  CONFIG_SECRET_VALUE_FORBIDDEN,
  berthConfigJsonSchema,
  isBerthConfigError,
  loadBerthConfig,
  parseBerthConfig,
  renderBerthConfigJsonSchema,
  type BerthConfig,
} from "@berth/deploy";

const INVALID = "config_invalid";

function yamlOf(lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** `kinds`: the server's dependency kinds, as deploy passes them; default: the built-in ones. */
function rejected(text: string, file?: string, kinds: readonly string[] = BUILT_IN_DEPENDENCY_KINDS): BerthConfigError {
  try {
    parseBerthConfig(text, { file, kinds });
  } catch (error) {
    expect(isBerthConfigError(error)).toBe(true);
    return error as BerthConfigError;
  }
  throw new Error("expected berth.yaml to be rejected");
}

/** The example, plus a run block and a dependency bound from the environment. */
const FULL = [
  "# yaml-language-server: $schema=../../sdk/deploy/schema/berth.schema.json",
  "resource: web",
  "run:",
  "  command: node server.js --port 8080",
  "  cwd: ./app",
  "  healthUrl: http://127.0.0.1:8080/health",
  "dependencies:",
  "  db:",
  "    kind: postgres",
  "    source: managed",
  "    bind:",
  "      env: DATABASE_URL",
  "    backup:",
  "      enabled: true",
  "      intervalHours: 24",
  "      retentionDays: 7",
  "      retryOnFailure: true",
  "  cache:",
  "    kind: redis",
  "    source: managed",
  "    bind:",
  "      env: REDIS_URL",
  "  shared-search:",
  "    kind: opensearch",
  "    source: existing",
  "    name: shared-search",
  "    bind:",
  "      env: OPENSEARCH_URL",
  "preview:",
  "  lifecycle: ephemeral",
];

describe("parseBerthConfig: valid files", () => {
  it("parses the issue's two-dependency config, a run block and an existing dependency", () => {
    const expected: BerthConfig = {
      resource: "web",
      run: { command: "node server.js --port 8080", cwd: "./app", healthUrl: "http://127.0.0.1:8080/health" },
      dependencies: {
        db: { kind: "postgres", source: "managed", bind: { env: "DATABASE_URL" }, backup: { enabled: true, intervalHours: 24, retentionDays: 7, retryOnFailure: true } },
        cache: { kind: "redis", source: "managed", bind: { env: "REDIS_URL" } },
        "shared-search": { kind: "opensearch", source: "existing", name: "shared-search", bind: { env: "OPENSEARCH_URL" } },
      },
      preview: { lifecycle: "ephemeral" },
    };
    const config = parseBerthConfig(yamlOf(FULL));
    expect(config).toEqual(expected);
    expect(Object.keys(config.dependencies)).toEqual(["db", "cache", "shared-search"]);
  });

  it("applies defaults: managed source, backup policy values, persistent previews, no dependencies", () => {
    const config = parseBerthConfig(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: mysql", "    bind: { env: DATABASE_URL }", "    backup: {}"]));
    expect(config).toEqual({
      resource: "web",
      dependencies: { db: { kind: "mysql", source: "managed", bind: { env: "DATABASE_URL" }, backup: { enabled: true, intervalHours: 24, retentionDays: 7, retryOnFailure: false } } },
      preview: { lifecycle: "persistent" },
    });
    expect(parseBerthConfig("resource: worker\n")).toEqual({ resource: "worker", dependencies: {}, preview: { lifecycle: "persistent" } });
  });

  it("accepts every dependency kind", () => {
    const kinds = ["postgres", "redis", "mysql", "clickhouse", "object-storage", "opensearch"];
    const lines = ["resource: web", "dependencies:", ...kinds.flatMap((kind, i) => [`  dep-${i}:`, `    kind: ${kind}`, `    bind: { env: DEP_${i}_URL }`])];
    expect(Object.values(parseBerthConfig(yamlOf(lines)).dependencies).map((d) => d.kind)).toEqual(kinds);
  });

  it("accepts a plugin's kind: offline by its shape, at deploy time when the server's providers declare it", () => {
    const lines = ["resource: web", "dependencies:", "  preview-db:", "    kind: postgres-schema", "    bind: { env: DATABASE_URL }"];
    expect(parseBerthConfig(yamlOf(lines)).dependencies["preview-db"].kind).toBe("postgres-schema");
    const kinds = [...BUILT_IN_DEPENDENCY_KINDS, "postgres-schema"];
    expect(parseBerthConfig(yamlOf(lines), { kinds }).dependencies["preview-db"].kind).toBe("postgres-schema");
  });

  it("follows anchors and aliases, e.g. one backup block shared by two dependencies", () => {
    const lines = [
      "resource: web",
      "dependencies:",
      "  db:",
      "    kind: postgres",
      "    bind: { env: DATABASE_URL }",
      "    backup: &nightly { intervalHours: 24, retentionDays: 30 }",
      "  events:",
      "    kind: clickhouse",
      "    bind: { env: EVENTS_URL }",
      "    backup: *nightly",
    ];
    const config = parseBerthConfig(yamlOf(lines));
    expect(config.dependencies.events).toMatchObject({ backup: { intervalHours: 24, retentionDays: 30, enabled: true } });
  });
});

describe("parseBerthConfig: invalid files", () => {
  it("rejects an unknown key with its path, line and column, and suggests the key meant", () => {
    const error = rejected(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bnid:", "      env: DATABASE_URL"]));
    expect(error.problems).toContainEqual(expect.objectContaining({ reason: INVALID, path: "dependencies.db.bnid", line: 5, column: 5 }));
    const unknown = error.problems.find((p) => p.path === "dependencies.db.bnid")!;
    expect(unknown.message).toContain('unknown key "bnid" (did you mean "bind"?)');
    // bind is then missing too, reported where the dependency is declared
    expect(error.problems).toContainEqual(expect.objectContaining({ reason: INVALID, path: "dependencies.db.bind", line: 3, column: 3, message: "required key is missing" }));
  });

  it("rejects wrong types with the path and the position of the value", () => {
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind: DATABASE_URL", "    backup:", "      intervalHours: daily", "      enabled: yes"];
    const error = rejected(yamlOf(lines));
    expect(error.problems).toEqual([
      expect.objectContaining({ reason: INVALID, path: "dependencies.db.bind", line: 5, column: 11, message: "must be a mapping, not a string" }),
      expect.objectContaining({ reason: INVALID, path: "dependencies.db.backup.intervalHours", line: 7, column: 22, message: "must be a number, not a string" }),
      expect.objectContaining({ reason: INVALID, path: "dependencies.db.backup.enabled", line: 8, column: 16, message: "must be true or false, not a string" }),
    ]);
  });

  it("rejects out-of-range and fractional backup values", () => {
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind: { env: DATABASE_URL }", "    backup:", "      intervalHours: 0", "      retentionDays: 1.5"];
    const error = rejected(yamlOf(lines));
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ["dependencies.db.backup.intervalHours", 7, 22],
      ["dependencies.db.backup.retentionDays", 8, 22],
    ]);
  });

  it("rejects an unknown kind and suggests the closest", () => {
    const error = rejected(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: postgress", "    bind: { env: DATABASE_URL }"]));
    expect(error.problems).toEqual([expect.objectContaining({ path: "dependencies.db.kind", line: 4, column: 11 })]);
    expect(error.problems[0].message).toMatch(/must be one of postgres, redis, .* \(did you mean "postgres"\?\)/);
  });

  it("rejects a kind the server's providers do not declare, naming the kinds they do", () => {
    const lines = ["resource: web", "dependencies:", "  preview-db:", "    kind: postgres-schema", "    bind: { env: DATABASE_URL }"];
    const error = rejected(yamlOf(lines), undefined, ["postgres", "redis"]);
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "dependencies.preview-db.kind", line: 4, column: 11 })]);
    expect(error.problems[0].message).toBe("no provider the server loads declares kind postgres-schema; must be one of postgres, redis");
  });

  it("rejects a kind that cannot be one by its shape, even offline", () => {
    const error = rejected(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: Postgres_15", "    bind: { env: DATABASE_URL }"]), undefined, []);
    expect(error.problems).toEqual([expect.objectContaining({ path: "dependencies.db.kind", line: 4, column: 11, message: expect.stringContaining("must be a dependency kind") })]);
  });

  it("rejects two dependencies bound to the same env var, at the second binding", () => {
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind:", "      env: DATABASE_URL", "  replica:", "    kind: postgres", "    bind:", "      env: DATABASE_URL"];
    const error = rejected(yamlOf(lines));
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "dependencies.replica.bind.env", line: 10, column: 12 })]);
    expect(error.problems[0].message).toContain('already bound by dependency "db"');
  });

  it("rejects source: existing without a name, pointing at the source", () => {
    const lines = ["resource: web", "dependencies:", "  search:", "    kind: opensearch", "    source: existing", "    bind: { env: OPENSEARCH_URL }"];
    const error = rejected(yamlOf(lines));
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "dependencies.search.name", line: 5, column: 13 })]);
    expect(error.problems[0].message).toContain("required with source: existing");
  });

  it("rejects a name on a managed dependency", () => {
    const error = rejected(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: postgres", "    name: shared-db", "    bind: { env: DATABASE_URL }"]));
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "dependencies.db.name", line: 5, column: 5 })]);
  });

  it("rejects a backup block on an existing dependency", () => {
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    source: existing", "    name: shared-db", "    bind: { env: DATABASE_URL }", "    backup:", "      intervalHours: 12"];
    const error = rejected(yamlOf(lines));
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "dependencies.db.backup", line: 8, column: 5 })]);
    expect(error.problems[0].message).toContain("only allowed with source: managed");
  });

  it("rejects bad names: resource, dependency key, existing name, env var", () => {
    const lines = ["resource: Web_App", "dependencies:", "  db-:", "    kind: postgres", "    bind: { env: DATABASE_URL }", "  cache:", "    kind: redis", "    source: existing", "    name: Shared_Cache", "    bind: { env: redis-url }"];
    const error = rejected(yamlOf(lines));
    expect(error.problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ["resource", 1, 11],
      ["dependencies.db-", 3, 3],
      ["dependencies.cache.name", 9, 11],
      ["dependencies.cache.bind.env", 10, 18],
    ]);
  });

  it("rejects a health URL that is not http(s) or has a user name", () => {
    const error = rejected(yamlOf(["resource: web", "run:", "  command: node server.js", "  healthUrl: ftp://web.internal/health", "other:", "  x: 1"]));
    expect(error.problems[0]).toMatchObject({ path: "run.healthUrl", line: 4, column: 14, message: "must be an http:// or https:// URL" });
    const withUser = rejected(yamlOf(["resource: web", "run:", "  command: node server.js", "  healthUrl: http://monitor@web.internal/health"]));
    expect(withUser.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "run.healthUrl", line: 4, column: 14 })]);
  });

  it("rejects a missing resource and a run block without a command", () => {
    const error = rejected(yamlOf(["run:", "  cwd: ./app"]));
    expect(error.problems.map((p) => [p.path, p.line, p.column, p.message])).toEqual([
      ["resource", 1, 1, "required key is missing"],
      ["run.command", 1, 1, "required key is missing"],
    ]);
  });

  it("reports a YAML syntax error with its line and column", () => {
    const error = rejected(yamlOf(["resource: web", "dependencies:", "  db:", "    kind: postgres", "   bind: [DATABASE_URL"]));
    expect(error.problems[0]).toMatchObject({ reason: INVALID, line: 5, column: 1, message: "YAML syntax error: All mapping items must start at the same column" });
    expect(error.problems.every((p) => p.reason === INVALID && p.message.startsWith("YAML syntax error: "))).toBe(true);
    const tabs = rejected("resource: web\n\tdependencies: {}\n");
    expect(tabs.problems).toEqual([expect.objectContaining({ line: 2, column: 1, message: "YAML syntax error: Tabs are not allowed as indentation" })]);
  });

  it("reports a duplicate key as a syntax error at the second occurrence", () => {
    const error = rejected(yamlOf(["resource: web", "preview:", "  lifecycle: ephemeral", "resource: api"]));
    expect(error.problems).toEqual([expect.objectContaining({ reason: INVALID, path: "resource", line: 4, column: 1, message: "YAML syntax error: this key appears twice in the same mapping" })]);
  });

  it("rejects an empty file, a list, and two YAML documents", () => {
    expect(rejected("").problems).toEqual([expect.objectContaining({ reason: INVALID, path: "", line: 1, column: 1 })]);
    expect(rejected("# only a comment\n").problems[0].message).toContain("empty");
    expect(rejected("- resource: web\n").problems[0].message).toContain("must be a mapping");
    expect(rejected("resource: web\n---\nresource: api\n").problems[0]).toMatchObject({ line: 2, column: 1, message: expect.stringContaining("one YAML document") });
  });

  it("rejects a file over 1 MiB, and checks a near-limit one without regex backtracking", () => {
    expect(rejected(`resource: web\n# ${"x".repeat(1024 * 1024)}\n`).problems[0].message).toContain("larger than");
    for (const unit of ["abcdefghijklmnopqrstuvwxyzabcdefgh5X ", "a://b:", "AbcAbcAbc", "ab"]) {
      const started = Date.now();
      try {
        parseBerthConfig(`resource: web\nrun:\n  command: '${unit.repeat(Math.floor(900_000 / unit.length))}'\n`);
      } catch (error) {
        expect(isBerthConfigError(error)).toBe(true);
      }
      expect(Date.now() - started, `checking ${unit}…`).toBeLessThan(3000);
    }
  });

  it("reports every problem together, in file order, in the message", () => {
    const lines = [
      "resource: web",
      "dependencies:",
      "  db:",
      "    kind: postgress",
      "    bnid: { env: DATABASE_URL }",
      "    password: Tr0ub4dor-and-3",
      "  cache:",
      "    kind: redis",
      "    source: existing",
      "    bind: { env: REDIS_URL }",
      "preview:",
      "  lifecycle: sometimes",
    ];
    const error = rejected(yamlOf(lines), "apps/web/berth.yaml");
    expect(error.problems.map((p) => [p.reason, p.path, p.line, p.column])).toEqual([
      [INVALID, "dependencies.db.bind", 3, 3],
      [INVALID, "dependencies.db.kind", 4, 11],
      [INVALID, "dependencies.db.bnid", 5, 5],
      [CONFIG_SECRET_VALUE_FORBIDDEN, "dependencies.db.password", 6, 5],
      [INVALID, "dependencies.cache.name", 9, 13],
      [INVALID, "preview.lifecycle", 12, 14],
    ]);
    expect(error.reason).toBe(CONFIG_SECRET_VALUE_FORBIDDEN);
    const listed = error.message.split("\n");
    expect(listed[0]).toBe("apps/web/berth.yaml is invalid (6 problems):");
    expect(listed[4]).toMatch(/^ {2}apps\/web\/berth\.yaml:6:5 dependencies\.db\.password: key is forbidden: /);
    expect(error.message).not.toContain("Tr0ub4dor");
  });
});

describe("loadBerthConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "berth-config-"));

  it("reads a file and resolves a relative run.cwd against the file's directory", async () => {
    mkdirSync(join(dir, "shop"), { recursive: true });
    const file = join(dir, "shop", "berth.yaml");
    writeFileSync(file, yamlOf(["resource: web", "run:", "  command: node server.js", "  cwd: ./app"]));
    expect((await loadBerthConfig(file)).run?.cwd).toBe(join(dir, "shop", "app"));
    writeFileSync(file, yamlOf(["resource: web", "run:", "  command: node server.js"]));
    // No cwd stays no cwd: the runtime target's default, the same from any checkout.
    expect((await loadBerthConfig(file)).run?.cwd).toBeUndefined();
    writeFileSync(file, yamlOf(["resource: web", "run:", "  command: node server.js", "  cwd: /srv/web"]));
    expect((await loadBerthConfig(file)).run?.cwd).toBe("/srv/web");
  });

  it("names the file as given in errors, and passes a missing file's fs error through", async () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "resource: Web\n");
    await expect(loadBerthConfig(file)).rejects.toThrow(`${file}:1:11 resource: `);
    await expect(loadBerthConfig(join(dir, "missing.yaml"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("errors and schema", () => {
  it("uses the reason strings of the API's ErrorReason enum", () => {
    expect(CONFIG_INVALID).toBe(reasonCode(ErrorReason.ERROR_REASON_CONFIG_INVALID));
    expect(CONFIG_SECRET_VALUE_FORBIDDEN).toBe(reasonCode(ErrorReason.ERROR_REASON_CONFIG_SECRET_VALUE_FORBIDDEN));
  });

  it("recognises its errors across package copies by brand, not by class", () => {
    const error = rejected("resource: 1\n");
    expect(isBerthConfigError(error)).toBe(true);
    expect(isBerthConfigError(new Error(error.message))).toBe(false);
    expect(error.name).toBe("BerthConfigError");
  });

  it("keeps the committed JSON Schema current", () => {
    const file = resolve(dirname(fileURLToPath(import.meta.url)), "../schema/berth.schema.json");
    const committed = readFileSync(file, "utf8");
    expect(committed === renderBerthConfigJsonSchema(), "sdk/deploy/schema/berth.schema.json is stale; regenerate it: node sdk/deploy/scripts/write-schema.mjs").toBe(true);
  });

  it("publishes a JSON Schema with descriptions, defaults and the source rules", () => {
    const schema = berthConfigJsonSchema() as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { description?: string; additionalProperties?: Record<string, unknown> }>;
    };
    expect(schema.required).toEqual(["resource"]);
    expect(schema.additionalProperties).toBe(false);
    for (const key of ["resource", "run", "dependencies", "preview"]) expect(schema.properties[key].description).toBeTruthy();
    const dependency = schema.properties.dependencies.additionalProperties as Record<string, unknown> & { properties: Record<string, { default?: unknown; description?: string }> };
    expect(dependency.properties.source.default).toBe("managed");
    expect(dependency.properties.source.description).toContain("default");
    expect(dependency.then).toEqual({ required: ["name"], not: { required: ["backup"] } });
    expect(JSON.stringify(schema)).toContain('"retryOnFailure":{"default":false');
  });
});
