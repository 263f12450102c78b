export { createBackupService } from "./service.js";
export type { BackupService, BackupServiceOptions } from "./service.js";
export { SCHEMA as BACKUP_SCHEMA } from "./migrations.js";
export { LocalArtifactStore } from "./artifacts/artifact-store.js";
export type { ArtifactStore, ArtifactWriter, ArtifactInfo } from "./artifacts/artifact-store.js";
export { createSealStream, createOpenStream, ArtifactCorruptError } from "./artifacts/sealed-stream.js";
export { S3ArtifactStore } from "./artifacts/s3-artifact-store.js";
export type { S3ArtifactStoreOptions } from "./artifacts/s3-artifact-store.js";
