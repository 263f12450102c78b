import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateMasterKeySpec } from "@berth/runtime";
import { CREDENTIALS, writePrivate, type DevCredentials } from "./dev-home.js";

/** The dev credentials of `home`, generated once (0600) on the first `berth dev`. */
export function loadOrCreateDevCredentials(home: string): DevCredentials {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = join(home, CREDENTIALS);
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as DevCredentials;
  const credentials: DevCredentials = {
    adminToken: `bta_${randomBytes(24).toString("base64url")}`,
    internalToken: `bti_${randomBytes(24).toString("base64url")}`,
    masterKey: generateMasterKeySpec(),
  };
  writePrivate(path, credentials);
  return credentials;
}
