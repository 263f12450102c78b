import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { RuntimeDriver, Workload, WorkloadEvents, WorkloadSpec } from "./runtime-target.js";

const RESERVED = new Set(["PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "NODE_OPTIONS", "SHELL", "PWD"]);
const HEALTH_TIMEOUT_MS = 30_000;
/** How long a workload must stay alive after its first healthy answer. */
const SETTLE_MS = 500;

/**
 * Runs the resource's command as a child process of the Berth host with the
 * delivered env vars, captures its output (secrets masked), and watches that
 * it stays alive and that it is the one answering its health URL.
 */
export const localProcessDriver: RuntimeDriver = {
  kind: "local-process",
  canDeliverDependencySecrets: true,
  reservedEnvVars: RESERVED,
  async start(spec: WorkloadSpec, events: WorkloadEvents): Promise<Workload> {
    // Asked before the command starts: a URL that answers already is held by something else.
    const healthBeforeStart = spec.healthUrl ? await isHealthy(spec.healthUrl) : false;
    const child = spawn("/bin/sh", ["-c", spec.command], {
      cwd: spec.cwd || undefined,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: spec.runAs?.home ?? process.env.HOME ?? "/", ...spec.env },
      // A configured unprivileged account: the command never runs with Berth's own rights (root included).
      ...(spec.runAs ? { uid: spec.runAs.uid, gid: spec.runAs.gid } : {}),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so stop reaches the command's children too
    });
    const capture = (chunk: Buffer) => spec.output.write(chunk.toString("utf8"));
    child.stdout.on("data", capture);
    child.stderr.on("data", capture);
    let stopping = false;
    let started = false;
    // Output can still be in the pipes at exit: wait briefly for them to close, so a failure's last line is there.
    const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => void Promise.race([closed, sleep(300)]).then(() => resolve({ code, signal })));
      child.once("error", () => resolve({ code: 127, signal: null }));
    });
    void exited.then(({ code, signal }) => {
      if (!started || stopping) return;
      const failed = code !== 0;
      events.onExit({ failed, reason: `exited with ${exitText(code, signal)}` });
    });
    const isAlive = () => child.exitCode === null && child.signalCode === null;

    const workload: Workload = {
      processGroup: child.pid,
      async stop(graceMs = 5000) {
        stopping = true;
        // The whole process group, not just the shell: the command's own processes must be gone
        // before stop resolves, or a replacement could find its port still taken.
        const signalGroup = (signal: NodeJS.Signals | 0): boolean => {
          try {
            process.kill(-child.pid!, signal);
            return true;
          } catch {
            return false; // no process left in the group
          }
        };
        const goneWithin = async (ms: number): Promise<boolean> => {
          for (let waited = 0; waited < ms; waited += 50) {
            if (!isAlive() && !signalGroup(0)) return true;
            await sleep(50);
          }
          return !isAlive() && !signalGroup(0);
        };
        if (!signalGroup("SIGTERM") && !isAlive()) return;
        if (await goneWithin(graceMs)) return;
        signalGroup("SIGKILL");
        await exited;
        await goneWithin(2000);
      },
    };
    const exitedEarly = async (what: string) => {
      const { code, signal } = await exited;
      const line = spec.output.lastLine();
      return new Error(`the command exited before it was ${what} (${exitText(code, signal)})${line ? `: ${line}` : ""}`);
    };

    // Started = alive and, with a health URL, answered by this workload; without one, alive after a moment.
    // When something already answered the URL before the command started, a 2xx proves nothing
    // until the URL was seen down once since (the old holder let go and the new one took over).
    let answeredByThisWorkload = !healthBeforeStart;
    const deadline = Date.now() + (spec.healthUrl ? HEALTH_TIMEOUT_MS : 1000);
    for (;;) {
      if (!isAlive()) throw await exitedEarly(spec.healthUrl ? "healthy" : "up");
      if (spec.healthUrl) {
        const healthy = await isHealthy(spec.healthUrl);
        if (!healthy) answeredByThisWorkload = true;
        else if (answeredByThisWorkload) {
          // A process that answers and dies at once (a failed second listener) is not up.
          await sleep(SETTLE_MS);
          if (!isAlive()) throw await exitedEarly("healthy");
          break;
        }
      }
      if (Date.now() >= deadline) {
        if (!spec.healthUrl) break;
        await workload.stop();
        const line = spec.output.lastLine();
        throw new Error(
          (answeredByThisWorkload
            ? `${spec.healthUrl} did not answer 2xx within ${HEALTH_TIMEOUT_MS / 1000} s`
            : `${spec.healthUrl} was already answered by another process before the workload started and never stopped answering, so the workload was never seen answering it within ${HEALTH_TIMEOUT_MS / 1000} s`) +
            (line ? `: ${line}` : ""),
        );
      }
      await sleep(200);
    }
    started = true;
    return workload;
  },
};

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return code === null ? `signal ${signal}` : `code ${code}`;
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}
