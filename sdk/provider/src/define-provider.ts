import type { Provider, ProviderCapabilities, ProviderManifest } from "./provider.js";
import { PROVIDER_SDK_VERSION } from "./version.js";

/** What a provider says about itself; the rest of its manifest follows from its verbs. */
export interface ProviderIdentity extends Pick<ProviderManifest, "name" | "version" | "kinds" | "injectable">, Pick<ProviderCapabilities, "backupFormat" | "transactionalRestore"> {}

/** The verbs a provider implements: `describeConnection` always, the others as it can. */
export type ProviderVerbs = Omit<Provider, "manifest">;

/**
 * A provider whose manifest is derived from what it implements, so the two cannot
 * disagree: `sdkVersion` is this SDK's range (`^1.0.0`), each capability is true
 * exactly when its verb is given (`manifest` when `describeContent` is, since a
 * provider that counts live content returns the same counts in its backups), and
 * `rotate` is false (SDK v1 has no rotate verb).
 *
 * @example
 * export const provider = defineProvider(
 *   { name: "@acme/berth-provider-mongodb", version: "1.0.0", kinds: ["mongodb"], backupFormat: "mongodump-archive-v1" },
 *   { describeConnection, realize, release, probe, backup, restore, describeContent },
 * );
 * provider.manifest.capabilities; // { realize: true, release: true, probe: true, backup: true, restore: true, rotate: false, manifest: true, backupFormat: "mongodump-archive-v1" }
 */
export function defineProvider(identity: ProviderIdentity, verbs: ProviderVerbs): Provider {
  const { backupFormat, transactionalRestore, injectable, ...names } = identity;
  const capabilities: ProviderCapabilities = {
    realize: verbs.realize !== undefined,
    release: verbs.release !== undefined,
    probe: verbs.probe !== undefined,
    backup: verbs.backup !== undefined,
    restore: verbs.restore !== undefined,
    rotate: false,
  };
  if (backupFormat !== undefined) capabilities.backupFormat = backupFormat;
  if (transactionalRestore !== undefined) capabilities.transactionalRestore = transactionalRestore;
  if (verbs.describeContent !== undefined) capabilities.manifest = true;
  const manifest: ProviderManifest = { ...names, sdkVersion: `^${PROVIDER_SDK_VERSION}`, capabilities };
  if (injectable !== undefined) manifest.injectable = injectable;
  return { manifest, ...verbs };
}
