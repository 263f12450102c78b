import { spawn } from "node:child_process";
import { redactSecrets } from "@berth/provider-sdk";

/** The most output a drill keeps of its check command (the tail, where failures are). */
export const CHECK_OUTPUT_MAX = 16 * 1024;

export interface CheckRun {
  /** Exit code, or null when it was stopped (timeout) or killed by a signal. */
  exitCode: number | null;
  timedOut: boolean;
  /** Last CHECK_OUTPUT_MAX characters of stdout and stderr, every given secret masked. */
  output: string;
}

/**
 * Runs the app's post-restore check as a real process (`sh -c`) with the scratch
 * connection delivered in one environment variable — resolved from the secret
 * store like a deployment's, never written anywhere else. Output is kept bounded
 * and masked; a check that outlives its timeout is killed with its process group.
 */
export function runCheckCommand(input: { command: string; env: Record<string, string>; timeoutMs: number; secrets: string[]; signal: AbortSignal }): Promise<CheckRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", input.command], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...input.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-CHECK_OUTPUT_MAX * 2);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    let timedOut = false;
    const stop = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, input.timeoutMs);
    const onAbort = () => stop();
    input.signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (error) => {
      clearTimeout(timer);
      input.signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      input.signal.removeEventListener("abort", onAbort);
      const masked = redactSecrets(output, input.secrets);
      resolve({ exitCode: timedOut ? null : code, timedOut, output: masked.slice(-CHECK_OUTPUT_MAX) });
    });
  });
}
