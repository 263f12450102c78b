import { describe, expect, it } from "vitest";
import { compareContent, contentStats, isProviderError, refuseNewerVersion, versionNumbers } from "../src/index.js";

describe("contentStats", () => {
  it("sorts entries by scope and name and totals their counts, and bytes only when every entry has them", () => {
    const stats = contentStats([
      { scope: "table", name: "public.users", count: 3 },
      { scope: "table", name: "public.orders", count: 5 },
    ]);
    expect(stats.entries.map((e) => e.name)).toEqual(["public.orders", "public.users"]);
    expect(stats.totals).toEqual({ count: 8 });
    expect(contentStats([{ scope: "bucket", name: "media", count: 2, bytes: 10 }]).totals).toEqual({ count: 2, bytes: 10 });
    expect(contentStats([]).totals).toEqual({ count: 0 });
  });
});

describe("compareContent", () => {
  const manifest = contentStats([
    { scope: "table", name: "public.orders", count: 1200, fingerprint: "md5:aa" },
    { scope: "table", name: "public.users", count: 3 },
  ]);

  it("passes every check when the restored copy holds the same content", () => {
    const checks = compareContent(manifest, contentStats([...manifest.entries]));
    expect(checks.every((check) => check.ok)).toBe(true);
    expect(checks).toContainEqual({ name: "table public.orders rows", expected: "1200", actual: "1200", ok: true });
    expect(checks).toContainEqual({ name: "table public.orders fingerprint", expected: "md5:aa", actual: "md5:aa", ok: true });
    expect(checks).toContainEqual({ name: "total rows", expected: "1203", actual: "1203", ok: true });
  });

  it("reports a changed count, a changed fingerprint, a missing and an extra table, each with expected and actual", () => {
    const restored = contentStats([
      { scope: "table", name: "public.orders", count: 1199, fingerprint: "md5:bb" },
      { scope: "table", name: "public.audit", count: 1 },
    ]);
    const failed = compareContent(manifest, restored).filter((check) => !check.ok);
    expect(failed).toEqual([
      { name: "table public.orders rows", expected: "1200", actual: "1199", ok: false },
      { name: "table public.orders fingerprint", expected: "md5:aa", actual: "md5:bb", ok: false },
      { name: "table public.users rows", expected: "3", actual: "absent", ok: false },
      { name: "table public.audit rows", expected: "absent", actual: "1", ok: false },
      { name: "total rows", expected: "1203", actual: "1200", ok: false },
    ]);
  });

  it("compares bytes where the content has them (object storage)", () => {
    const backup = contentStats([{ scope: "bucket", name: "media", count: 2, bytes: 100 }]);
    const restored = contentStats([{ scope: "bucket", name: "media", count: 2, bytes: 99 }]);
    expect(compareContent(backup, restored).filter((c) => !c.ok).map((c) => c.name)).toEqual(["bucket media bytes", "total bytes"]);
  });
});

describe("versionNumbers", () => {
  it.each([
    ["15.19 (Debian 15.19-1.pgdg120+1)", [15, 19]],
    ["10.11.6-MariaDB-0+deb12u1", [10, 11, 6]],
    ["PostgreSQL 15.4", [15, 4]],
    ["7.0.15", [7, 0, 15]],
    ["unknown", []],
  ])("reads %s", (text, numbers) => {
    expect(versionNumbers(text)).toEqual(numbers);
  });
});

describe("refuseNewerVersion", () => {
  const refusal = (run: () => void) => {
    try {
      run();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("refuses a backup from a newer major with incompatible_version, naming both versions", () => {
    const error = refusal(() => refuseNewerVersion({ subject: "pg_restore", backupVersion: "17.2", targetVersion: "15.19" }));
    expect(isProviderError(error) && error.code).toBe("incompatible_version");
    expect((error as Error).message).toContain("17.2");
    expect((error as Error).message).toContain("15.19");
  });

  it("accepts the same or an older major, and a newer minor unless minors count", () => {
    expect(refusal(() => refuseNewerVersion({ subject: "x", backupVersion: "15.20", targetVersion: "15.19" }))).toBeUndefined();
    expect(refusal(() => refuseNewerVersion({ subject: "x", backupVersion: "14.1", targetVersion: "15.19" }))).toBeUndefined();
    const minor = refusal(() => refuseNewerVersion({ subject: "redis", backupVersion: "7.2.4", targetVersion: "7.0.15", precision: "minor" }));
    expect(isProviderError(minor) && minor.code).toBe("incompatible_version");
    expect(refusal(() => refuseNewerVersion({ subject: "redis", backupVersion: "6.2.0", targetVersion: "7.0.15", precision: "minor" }))).toBeUndefined();
  });

  it("does not judge versions without numbers", () => {
    expect(refusal(() => refuseNewerVersion({ subject: "x", backupVersion: "unknown", targetVersion: "15" }))).toBeUndefined();
  });
});
