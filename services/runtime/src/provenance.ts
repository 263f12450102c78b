import { ProvenanceSource, type Provenance } from "@berth/client";

/** Provenance as stored in a jsonb column: safe labels only. */
export type StoredProvenance = Record<string, string | number>;

/** Request provenance → stored JSON. A request without one was made directly through the API (manual). */
export function storedProvenance(provenance: Provenance | undefined): StoredProvenance {
  return {
    source: provenance?.source || ProvenanceSource.PROVENANCE_SOURCE_MANUAL,
    repository: provenance?.repository ?? "",
    environment: provenance?.environment ?? "",
    previewId: provenance?.previewId ?? "",
    actor: provenance?.actor ?? "",
    restoredFromBackupId: provenance?.restoredFromBackupId ?? "",
  };
}

/** Stored JSON → the wire message. */
export function presentProvenance(stored: StoredProvenance): Provenance {
  return {
    source: typeof stored.source === "number" && stored.source ? stored.source : ProvenanceSource.PROVENANCE_SOURCE_MANUAL,
    repository: String(stored.repository ?? ""),
    environment: String(stored.environment ?? ""),
    previewId: String(stored.previewId ?? ""),
    actor: String(stored.actor ?? ""),
    restoredFromBackupId: String(stored.restoredFromBackupId ?? ""),
  };
}
