import { readFileSync } from "node:fs";
import { berthHome, createBerthClient, readDevCredentials, readDevServerInfo, type BerthClient } from "@berth/client";
import { CliError } from "./output.js";

export interface ConnectionFlags {
  api?: string;
  /** Only set when `--server` was given before a subcommand that has no runtime-target --server: an old script. */
  server?: string;
  token?: string;
  tls?: boolean;
  caFile?: string;
}

/**
 * Finds the API address and token: --api/--token, then BERTH_API / BERTH_TOKEN,
 * then the deprecated BERTH_SERVER (with a notice), then the running
 * `berth dev` in $BERTH_HOME (default ~/.berth).
 */
export function connect(flags: ConnectionFlags): BerthClient {
  if (flags.server !== undefined) {
    const looksLikeAddress = /:\d+$/.test(flags.server);
    throw new CliError(
      looksLikeAddress
        ? `--server names a runtime target (srv_… or a server name); pass the Berth API address with --api ${flags.server} (or set BERTH_API)`
        : `--server names a runtime target: give it after a subcommand that takes one (\`berth deployments list --server ${flags.server}\`); the Berth API address is --api HOST:PORT (or BERTH_API)`,
      "invalid_argument"
    );
  }
  const home = berthHome();
  const address = flags.api ?? process.env.BERTH_API ?? deprecatedServerVariable() ?? readDevServerInfo(home)?.address;
  const token = flags.token ?? process.env.BERTH_TOKEN ?? readDevCredentials(home)?.adminToken;
  if (!address) {
    throw new CliError(
      `no Berth server: start one with \`pnpm berth dev\`, or pass --api HOST:PORT (or set BERTH_API); looked for a dev server in ${home}`,
      "server_not_configured"
    );
  }
  if (!token) {
    throw new CliError("no token: pass --token (or set BERTH_TOKEN)", "token_not_configured");
  }
  const caFile = flags.caFile ?? process.env.BERTH_CA_FILE;
  return createBerthClient({ address, token, tls: flags.tls || Boolean(caFile), caPem: caFile ? readFileSync(caFile) : undefined });
}

/** BERTH_SERVER was the API address before --api existed; still read, for a while, with a notice. */
function deprecatedServerVariable(): string | undefined {
  const value = process.env.BERTH_SERVER;
  if (!value) return undefined;
  process.stderr.write("notice: BERTH_SERVER is deprecated for the API address; set BERTH_API instead (BERTH_SERVER will stop working in a later release)\n");
  return value;
}
