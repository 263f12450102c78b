import { spawnSync } from "node:child_process";
import { ProviderError } from "../errors.js";

/**
 * How a Postgres client tool (pg_dump, pg_restore, psql) connects as a connection
 * URL's role without the password on its command line, where `ps` shows it: the
 * URL without its password for `--dbname`, and the password in `PGPASSWORD`.
 *
 * @example
 * const { dbname, env } = postgresToolConnection(request.connectionUrl);
 * spawn("pg_dump", ["--format=custom", `--dbname=${dbname}`], { env: { ...process.env, ...env, PGCONNECT_TIMEOUT: "10" } });
 */
export function postgresToolConnection(connectionUrl: string): { dbname: string; env: { PGPASSWORD: string } } {
  const url = new URL(connectionUrl);
  const password = decodeURIComponent(url.password);
  url.password = "";
  return { dbname: url.toString(), env: { PGPASSWORD: password } };
}

const versions = new Map<string, string>();

/**
 * The version of a Postgres client tool on the Berth server, for a backup
 * manifest's `tool` and for refusing a dump the local pg_restore cannot read
 * (`refuseNewerVersion`). Asked once per process.
 *
 * @throws ProviderError("internal") when the tool is not installed.
 * @example
 * postgresToolVersion("pg_dump"); // "15.20", from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
 */
export function postgresToolVersion(tool: string): string {
  let version = versions.get(tool);
  if (version === undefined) {
    const run = spawnSync(tool, ["--version"], { encoding: "utf8", timeout: 10_000 });
    if (run.error || run.status !== 0) throw new ProviderError("internal", `${tool} is not installed on the Berth server (install the PostgreSQL client tools)`);
    version = /\(PostgreSQL\) (\S+)/.exec(run.stdout)?.[1] ?? run.stdout.trim().split(" ").pop() ?? "unknown";
    versions.set(tool, version);
  }
  return version;
}
