import { readFileSync } from "node:fs";
import type { WorkloadUser } from "@berth/deployment-service";
import { ConfigError } from "./config.js";

/**
 * The account named by `localProcessUser`, from /etc/passwd: local-process workloads
 * run as it instead of as Berth's own user. Switching users needs root, so a name
 * given to a non-root Berth, or one that does not exist, stops start-up with the fix.
 */
export function resolveWorkloadUser(name: string | undefined, passwd = "/etc/passwd"): WorkloadUser | undefined {
  if (!name) return undefined;
  const entry = readFileSync(passwd, "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === name && fields.length >= 7);
  if (!entry) throw new ConfigError([`localProcessUser: no account named ${JSON.stringify(name.slice(0, 64))} in ${passwd}; create it (e.g. useradd --system berth-workload) or remove the setting`]);
  const [, , uid, gid, , home] = entry;
  if (process.getuid?.() !== 0) {
    throw new ConfigError([`localProcessUser: running workloads as ${name} needs Berth to run as root (it runs as uid ${process.getuid?.()}); remove the setting to run them as Berth's own user`]);
  }
  if (Number(uid) === 0) throw new ConfigError([`localProcessUser: ${name} is root; name an unprivileged account`]);
  return { name, uid: Number(uid), gid: Number(gid), home: home || "/" };
}
