import { ProvenanceSource, type BerthClient, type Provenance } from "@berth/client";

/** What a deploy or cleanup acts on. */
export interface DeployTarget {
  client: BerthClient;
  projectId: string;
  environmentId: string;
  /** Preview id ("pr-42"): every name gets "-pr-42" and records carry it in their provenance. */
  preview?: string;
  /** Repository the config came from, recorded in provenance ("github.com/acme/shop"). */
  repository?: string;
  /** Safe actor label recorded in provenance (CI job, user name). */
  actor?: string;
}

export interface DeployOptions extends DeployTarget {
  /** Runtime target (server) id (srv_…) or name the deployment goes to. */
  server: string;
  /** Compute the changes without making them. */
  dryRun?: boolean;
  /** How long to wait for a dependency to become ready; default 10 minutes. */
  readyTimeoutMs?: number;
  /** Called with each change as it is made (or, in a dry run, planned), and with progress lines. */
  onChange?: (change: Change) => void;
  onProgress?: (message: string) => void;
}

/** The kinds of records deploy reconciles, in the order it reconciles them. */
export type ChangeSubject = "resource" | "dependency" | "binding" | "backup-policy" | "deployment";

/** One thing deploy changed (or, in a dry run, would change). Ids only, never secrets. */
export interface Change {
  subject: ChangeSubject;
  /** create, provision, bind, unbind, update, disable… */
  action: string;
  /** Config name of what changed: the resource, a dependency key, an env var. */
  name: string;
  /** Id of the record, when it exists (after the change, or before an unbind). */
  id?: string;
  /** One safe human sentence: "provision postgres dependency db-pr-42". */
  summary: string;
}

/** A record deploy found already as berth.yaml asks: reported so "no changes" can say what was checked. */
export interface Kept {
  subject: ChangeSubject;
  name: string;
  id: string;
  summary: string;
}

export interface DeployResult {
  dryRun: boolean;
  changes: Change[];
  unchanged: Kept[];
  resourceId?: string;
  deploymentId?: string;
}

/** The provenance deploy writes on every record it creates. */
export function configProvenance(target: DeployTarget): Provenance {
  return {
    source: ProvenanceSource.PROVENANCE_SOURCE_CONFIG,
    repository: target.repository ?? "",
    environment: target.environmentId,
    previewId: target.preview ?? "",
    actor: target.actor ?? "",
  };
}

/** The name a config name gets in this deploy: "db", or "db-pr-42" for a preview. */
export function scopedName(name: string, preview: string | undefined): string {
  return preview ? `${name}-${preview}` : name;
}
