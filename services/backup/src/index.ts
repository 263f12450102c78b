export { createBackupService } from "./service.js";
export type { BackupService, BackupServiceOptions } from "./service.js";
export { SCHEMA as BACKUP_SCHEMA } from "./migrations.js";
export { LocalArtifactStore } from "./artifacts/artifact-store.js";
export type { ArtifactStore, ArtifactWriter, ArtifactInfo } from "./artifacts/artifact-store.js";
export { createSealStream, createOpenStream, ArtifactCorruptError } from "./artifacts/sealed-stream.js";
export { S3ArtifactStore } from "./artifacts/s3-artifact-store.js";
export type { S3ArtifactStoreOptions } from "./artifacts/s3-artifact-store.js";
// The drills table's store: the drill runner writes through it; tests arrange drills through it
// (never raw SQL into this service's schema).
export { drillStore } from "./store/drill-store.js";
export type { DrillRecord, DrillCheck, DrillState, NewDrill, DrillChanges } from "./store/drill-store.js";
export { store as backupStore } from "./store/store.js";
// Tests arrange time (a policy due now) through the store, never by writing the schema themselves.
export { policyStore } from "./store/policy-store.js";
export type { BackupRecord } from "./store/store.js";
export { evaluateReadiness, backupMaxAgeSeconds, DRILL_WINDOW_DAYS, DEFAULT_BACKUP_WINDOW_HOURS } from "./domain/data-readiness.js";
export type { ReadinessFacts, ReadinessReason, DataReadinessReport, Verdict } from "./domain/data-readiness.js";
