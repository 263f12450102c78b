import type { Provider, ProviderManifest } from "@berth/provider-sdk";
import { backup, BACKUP_FORMAT } from "./backup.js";
import { describeConnection, KIND } from "./connection.js";
import { describeContent } from "./content.js";
import { probe } from "./probe.js";
import { realize, release } from "./realize.js";
import { restore } from "./restore.js";

export const manifest: ProviderManifest = {
  name: "@acme/berth-provider-pgschema",
  version: "1.0.0",
  // The provider SDK contract this package was built and tested against; Berth refuses
  // to load it when its own contract major differs.
  sdkVersion: "^1.0.0",
  kinds: [KIND],
  capabilities: { realize: true, release: true, probe: true, backup: true, restore: true, rotate: false, backupFormat: BACKUP_FORMAT, manifest: true },
};

/**
 * `postgres-schema`: a schema and a login role per dependency inside one shared
 * database (the target admin URL's), for cheap preview environments.
 */
export const pgSchemaProvider: Provider = { manifest, describeConnection, realize, release, probe, backup, restore, describeContent };
