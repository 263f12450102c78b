import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The built SDK (the test command builds before it tests): the parent below is a plain node process.
const builtSdk = new URL("../dist/index.js", import.meta.url).href;

/** True while the process runs (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    return false;
  }
}

describe("spawnTool", () => {
  it.skipIf(process.platform !== "linux" || !existsSync("/usr/bin/setpriv"))(
    "a tool dies with the process that spawned it, even when that process is killed with kill -9",
    async () => {
      const parent = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { spawnTool } from ${JSON.stringify(builtSdk)};
           const child = spawnTool("sleep", ["30"], { stdio: "ignore" });
           console.log(child.pid);
           setInterval(() => {}, 1000);`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      const [line] = (await once(parent.stdout!, "data")) as [Buffer];
      const pid = Number(line.toString().trim());
      expect(running(pid)).toBe(true);
      parent.kill("SIGKILL");
      const deadline = Date.now() + 5000;
      while (running(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(running(pid)).toBe(false);
    },
    20_000,
  );
});
