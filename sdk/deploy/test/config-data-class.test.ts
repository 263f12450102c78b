import { describe, expect, it } from "vitest";
import { isBerthConfigError, parseBerthConfig } from "../src/index.js";

describe("berth.yaml dataClass", () => {
  it("is kept on managed and existing dependencies, and absent when the file does not say", () => {
    const config = parseBerthConfig(
      "resource: web\ndependencies:\n  db:\n    kind: postgres\n    dataClass: production-critical\n    bind: { env: DATABASE_URL }\n" +
        "  search:\n    kind: opensearch\n    source: existing\n    name: shared\n    dataClass: reproducible\n    bind: { env: SEARCH_URL }\n" +
        "  cache:\n    kind: redis\n    bind: { env: REDIS_URL }\n",
    );
    expect(config.dependencies.db).toMatchObject({ source: "managed", dataClass: "production-critical" });
    expect(config.dependencies.search).toMatchObject({ source: "existing", dataClass: "reproducible" });
    expect(config.dependencies.cache).not.toHaveProperty("dataClass");
  });

  it("refuses an unknown class with its key path and line", () => {
    try {
      parseBerthConfig("resource: web\ndependencies:\n  db:\n    kind: postgres\n    dataClass: precious\n    bind: { env: DATABASE_URL }\n");
      expect.unreachable();
    } catch (error) {
      expect(isBerthConfigError(error)).toBe(true);
      const problem = (error as { problems: Array<{ path: string; line: number; message: string; reason: string }> }).problems[0];
      expect(problem).toMatchObject({ path: "dependencies.db.dataClass", line: 5, reason: "config_invalid" });
      expect(problem.message).toContain("disposable, reproducible, production-critical");
    }
  });
});
