import { describe, expect, it } from "vitest";
import { berthRpcPaths, compileRequestValidator, declaredRules, RULES_BY_FIELD, RULES_BY_NAME } from "../src/index.js";

const rpcs = berthRpcPaths();

describe("declared request limits", () => {
  it("cover every field of every Berth RPC request (checked against the proto descriptors)", () => {
    expect(rpcs.length).toBeGreaterThan(50);
    // Compiling throws when a string, number, list or map field has no rule or a rule of the wrong type.
    for (const rpc of rpcs) expect(() => compileRequestValidator(rpc), rpc).not.toThrow();
  });

  it("has no rule that no request field uses", () => {
    const used = new Set([...declaredRules(rpcs).keys()].flatMap((full) => [full, full.slice(full.lastIndexOf(".") + 1)]));
    expect(Object.keys(RULES_BY_NAME).filter((name) => !used.has(name))).toEqual([]);
    expect(Object.keys(RULES_BY_FIELD).filter((name) => !used.has(name))).toEqual([]);
  });
});

describe("a request checked at the edge", () => {
  const createResource = compileRequestValidator("/berth.deployment.v1.DeploymentService/CreateResource");
  const listBackups = compileRequestValidator("/berth.backup.v1.BackupService/ListBackups");
  const batchGet = compileRequestValidator("/berth.dependency.v1.DependencyService/BatchGetDependencies");
  const valid = { requestId: "r1", projectId: "prj_a", environmentId: "env_a", name: "web", command: "node app.js\nnode other.js", cwd: "", env: { PORT: "8080" }, healthUrl: "", provenance: undefined };

  it("passes a normal request", () => {
    expect(createResource(valid)).toEqual([]);
    expect(listBackups({ dependencyId: "dep_x", status: 2, pageSize: 500, pageToken: "", showDeleted: false })).toEqual([]);
  });

  it("refuses a 1 MiB command in well under 50 ms without echoing it", () => {
    const huge = `node ${"x".repeat(1024 * 1024)}`;
    const started = performance.now();
    const violations = createResource({ ...valid, command: huge });
    expect(performance.now() - started).toBeLessThan(50);
    expect(violations).toEqual([{ field: "command", description: `is ${huge.length} characters long; at most 16384` }]);
  });

  it("refuses NUL and control characters, naming the position only", () => {
    expect(createResource({ ...valid, name: "we\u0000b" })).toEqual([{ field: "name", description: "holds U+0000 at position 2; must be one line of text without control characters" }]);
    expect(createResource({ ...valid, projectId: "prj a" })[0]?.field).toBe("project_id");
    expect(createResource({ ...valid, env: { PORT: "80\u001b[2J" } })).toEqual([{ field: "env[PORT]", description: expect.stringContaining("U+001B at position 2") }]);
    // Unicode that is not a control character is fine in names and text.
    expect(createResource({ ...valid, cwd: "/srv/ünïcödé ✓" })).toEqual([]);
  });

  it("names a bad map key without echoing it", () => {
    const key = `K${"y".repeat(10_000)}`;
    const violations = createResource({ ...valid, env: { [key]: "v" } });
    expect(violations[0]).toEqual({ field: "env key", description: "is 10001 characters long; at most 256" });
    expect(JSON.stringify(violations)).not.toContain("yyyyyyyy");
  });

  it("refuses undeclared enum values and out-of-range numbers", () => {
    expect(listBackups({ dependencyId: "", status: 999, pageSize: 0, pageToken: "", showDeleted: false })).toEqual([{ field: "status", description: "is not a declared BackupStatus value" }]);
    expect(listBackups({ dependencyId: "", status: 0, pageSize: -1, pageToken: "", showDeleted: false })).toEqual([{ field: "page_size", description: "must be between 0 and 500" }]);
    expect(listBackups({ dependencyId: "", status: 0, pageSize: 2 ** 31 - 1, pageToken: "", showDeleted: false })[0]?.field).toBe("page_size");
  });

  it("bounds repeated fields and nested messages", () => {
    expect(batchGet({ ids: Array.from({ length: 1001 }, (_, i) => `dep_${i}`) })).toEqual([{ field: "ids", description: "has 1001 items; at most 1000" }]);
    expect(batchGet({ ids: ["dep_a", "dep\u0000b"] })[0]?.field).toBe("ids[1]");
    expect(createResource({ ...valid, provenance: { source: 77, repository: "r".repeat(600), environment: "", previewId: "", actor: "" } })).toEqual([
      { field: "provenance.source", description: "is not a declared ProvenanceSource value" },
      { field: "provenance.repository", description: "is 600 characters long; at most 512" },
    ]);
  });

  it("stops after 20 problems, whatever was sent", () => {
    expect(batchGet({ ids: Array.from({ length: 1000 }, () => "\u0000") })).toHaveLength(20);
  });
});
