import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readDevCredentials, writeDevCredentials, type DevCredentials } from "@berth/client";
import { generateMasterKeySpec } from "@berth/runtime";

/** The dev credentials of `home`, generated once (0600) on the first `berth dev`. */
export function loadOrCreateDevCredentials(home: string): DevCredentials {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const existing = readDevCredentials(home);
  if (existing) return existing;
  const credentials: DevCredentials = {
    adminToken: `bta_${randomBytes(24).toString("base64url")}`,
    internalToken: `bti_${randomBytes(24).toString("base64url")}`,
    masterKey: generateMasterKeySpec(),
  };
  writeDevCredentials(home, credentials);
  return credentials;
}
