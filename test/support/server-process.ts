import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBerthClient, type BerthClient } from "@berth/client";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = join(REPO_ROOT, "sdk/cli/dist/main.js");

export interface ServerProcess {
  address: string;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  client(token: string): BerthClient;
  /** SIGTERM and wait for exit (graceful). */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies mid-work. */
  kill(): Promise<void>;
}

export interface ServerProcessOptions {
  /**
   * Working directory of `berth serve` (default: the test runner's). Plugins named by
   * package in `providers` resolve from here first, as from an operator's install dir.
   */
  cwd?: string;
}

/** Runs `berth serve` from the built CLI with a config file, the way an operator would. */
export async function startServerProcess(config: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const configPath = join(tmpdir(), `berth-test-config-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(configPath, JSON.stringify({ listen: { host: "127.0.0.1", port: 0 }, ...config }), { mode: 0o600 });
  const child = spawn(process.execPath, [CLI, "serve", "--config", configPath], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      const match = /"address":"([^"]+)","services"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    address,
    process: child,
    output: () => output,
    client: (token) => createBerthClient({ address, token }),
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a `berth` CLI user of the API at `address` holding `token` (and no config home of their own). */
export function cliEnv(address: string, token: string): NodeJS.ProcessEnv {
  return { BERTH_API: address, BERTH_TOKEN: token, BERTH_HOME: "/nonexistent-berth-home" };
}

/** Runs the built `berth` CLI as a user would; `cli` is another install's main.js (default: the workspace's). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string, cli: string = CLI): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdin.end(input ?? "");
    child.once("exit", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * `berth` and `json` bound to one server's environment, keeping every output for
 * leak scans. `env` is read at each call, so it may be set in beforeAll.
 */
export function cliSession(env: () => NodeJS.ProcessEnv) {
  const outputs: string[] = [];
  async function berth(args: string[], input?: string): Promise<CliResult> {
    const result = await runCli(args, env(), input);
    outputs.push(result.stdout, result.stderr);
    return result;
  }
  /** Runs with `-o json`, requires exit 0, and parses stdout. */
  async function json<T = Record<string, unknown>>(args: string[], input?: string): Promise<T> {
    const result = await berth([...args, "-o", "json"], input);
    if (result.code !== 0) throw new Error(`berth ${args.join(" ")} exited with ${result.code}:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
  return { berth, json, outputs };
}
