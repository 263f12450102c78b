import { readFileSync } from "node:fs";
import { createBerthClient, type BerthClient } from "@berth/client";
import { berthHome, readDevCredentials, readDevServerInfo } from "@berth/host/light";
import { EXIT } from "./exit-codes.js";
import { CliError } from "./output.js";

export interface ConnectionFlags {
  server?: string;
  token?: string;
  tls?: boolean;
  caFile?: string;
}

/**
 * Finds the server and token: flags, then BERTH_SERVER / BERTH_TOKEN, then the
 * running `berth dev` in $BERTH_HOME (default ~/.berth).
 */
export function connect(flags: ConnectionFlags): BerthClient {
  const home = berthHome();
  const dev = readDevServerInfo(home);
  const address = flags.server ?? process.env.BERTH_SERVER ?? dev?.address;
  const token = flags.token ?? process.env.BERTH_TOKEN ?? readDevCredentials(home)?.adminToken;
  if (!address) {
    throw new CliError(
      `no Berth server: start one with \`pnpm berth dev\`, or pass --server HOST:PORT (or set BERTH_SERVER); looked for a dev server in ${home}`,
      "server_not_configured",
      EXIT.unavailable,
    );
  }
  if (!token) {
    throw new CliError("no token: pass --token (or set BERTH_TOKEN)", "token_not_configured", EXIT.auth);
  }
  const caFile = flags.caFile ?? process.env.BERTH_CA_FILE;
  return createBerthClient({ address, token, tls: flags.tls || Boolean(caFile), caPem: caFile ? readFileSync(caFile) : undefined });
}
