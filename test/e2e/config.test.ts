import { describe, expect, it } from "vitest";
import { runCli } from "../support/server-process.js";

describe("berth serve configuration", () => {
  it("refuses to start with one clear line per wrong value, never echoing a secret", async () => {
    const secretToken = "short-secret";
    const result = await runCli(["serve", "--services", "dependency,billing", "--listen", "127.0.0.1:99999"], {
      BERTH_DATABASE_URL: "mysql://nope",
      BERTH_ADMIN_TOKEN: secretToken,
      BERTH_MASTER_KEYS: "no-colon-here",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("[config_invalid]");
    for (const key of ["databaseUrl", "adminToken", "internalToken", "masterKeys.0", "services.1", "listen.port"]) {
      expect(result.stderr).toMatch(new RegExp(`- ${key.replace(".", "\\.")}: `));
    }
    expect(result.stderr).not.toContain(secretToken);
  });

  it("asks for an artifact directory when the backup service runs", async () => {
    const result = await runCli(["serve", "--services", "dependency,backup"], {
      BERTH_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/unused",
      BERTH_ADMIN_TOKEN: "a".repeat(32),
      BERTH_INTERNAL_TOKEN: "b".repeat(32),
      BERTH_MASTER_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/artifactDir: is required with the backup service; set BERTH_ARTIFACT_DIR/);
  });
});
