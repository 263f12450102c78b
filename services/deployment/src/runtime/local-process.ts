import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { redactSecrets } from "@berth/provider-sdk";
import type { RuntimeDriver, Workload, WorkloadEvents, WorkloadSpec } from "./runtime-target.js";

const URL_KINDS = new Set(["postgres", "redis", "mysql", "clickhouse", "object-storage", "opensearch"]);
const RESERVED = new Set(["PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "NODE_OPTIONS", "SHELL", "PWD"]);
const OUTPUT_LIMIT = 16 * 1024;
const HEALTH_TIMEOUT_MS = 30_000;

/**
 * Runs the resource's command as a child process of the Berth host with the
 * delivered env vars, captures its output (secrets masked), and watches health.
 */
export const localProcessDriver: RuntimeDriver = {
  kind: "local-process",
  canDeliverDependencySecrets: true,
  supportedDependencyKinds: URL_KINDS,
  reservedEnvVars: RESERVED,
  async start(spec: WorkloadSpec, events: WorkloadEvents): Promise<Workload> {
    const child = spawn("/bin/sh", ["-c", spec.command], {
      cwd: spec.cwd || undefined,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", ...spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so stop reaches the command's children too
    });
    let output = "";
    const capture = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on("data", capture);
    child.stderr.on("data", capture);
    let stopping = false;
    let started = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", () => resolve({ code: 127, signal: null }));
    });
    void exited.then(({ code, signal }) => {
      if (!started || stopping) return;
      const failed = code !== 0;
      events.onExit({ failed, reason: failed ? `exited with ${code === null ? `signal ${signal}` : `code ${code}`}` : "exited with code 0" });
    });

    const workload: Workload = {
      processGroup: child.pid,
      recentOutput: () => redactSecrets(output, spec.secrets),
      async stop(graceMs = 5000) {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const killGroup = (signal: NodeJS.Signals) => {
          try {
            process.kill(-child.pid!, signal);
          } catch {
            // already gone
          }
        };
        killGroup("SIGTERM");
        const result = await Promise.race([exited, sleep(graceMs).then(() => undefined)]);
        if (!result) {
          killGroup("SIGKILL");
          await exited;
        }
      },
    };

    // Started = healthy (when a health URL is set) or still alive after a moment.
    const deadline = Date.now() + (spec.healthUrl ? HEALTH_TIMEOUT_MS : 1000);
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const { code, signal } = await exited;
        throw new Error(`the command exited before it was ${spec.healthUrl ? "healthy" : "up"} (${code === null ? `signal ${signal}` : `code ${code}`})${lastLine(workload.recentOutput())}`);
      }
      if (spec.healthUrl && (await isHealthy(spec.healthUrl))) break;
      if (Date.now() >= deadline) {
        if (!spec.healthUrl) break;
        await workload.stop();
        throw new Error(`${spec.healthUrl} did not answer 2xx within ${HEALTH_TIMEOUT_MS / 1000} s${lastLine(workload.recentOutput())}`);
      }
      await sleep(200);
    }
    started = true;
    return workload;
  },
};

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** ": <last line of output>", or nothing when it printed nothing. */
function lastLine(text: string): string {
  const line = text.trim().split("\n").slice(-1)[0]?.slice(0, 300) ?? "";
  return line ? `: ${line}` : "";
}
