import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";

const SETPRIV = "/usr/bin/setpriv";
let diesWithParent: boolean | undefined;

/**
 * Spawns a client tool (pg_restore, mariadb, …) that dies with this process.
 * On Linux it runs under util-linux's `setpriv --pdeathsig KILL`, so a Berth
 * server killed with kill -9 does not leave a restore writing on its own while
 * the restarted server reports the job's target as unchanged. Where setpriv is
 * missing it is a plain spawn.
 */
export function spawnTool(command: string, args: string[], options: SpawnOptions): ChildProcess {
  diesWithParent ??= process.platform === "linux" && existsSync(SETPRIV);
  return diesWithParent ? spawn(SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args], options) : spawn(command, args, options);
}
