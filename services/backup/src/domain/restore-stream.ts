import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import type { Dependency } from "@berth/client";
import type { Provider } from "@berth/provider-sdk";
import { progressCounter } from "../artifacts/progress.js";
import { createOpenStream } from "../artifacts/sealed-stream.js";
import type { BackupRecord } from "../store/store.js";
import type { BackupContext } from "./context.js";

/**
 * Streams one backup's artifact into a dependency: read → decrypt → gunzip →
 * provider restore. Used by in-place restores, restores into a new dependency
 * and the rollback from a safety backup. Callers check the artifact first.
 */
export async function streamBackupInto(
  ctx: BackupContext,
  input: {
    backup: BackupRecord;
    dependency: Dependency;
    provider: Provider;
    connectionUrl: string;
    signal: AbortSignal;
    /** The backed-up dependency's metadata when restoring into another dependency. */
    sourceMetadata?: Record<string, string>;
    onBytes?: (bytes: number) => Promise<unknown>;
  },
): Promise<number> {
  const { backup, dependency, provider } = input;
  const dataKey = Buffer.from(
    ctx.keyring.decrypt({ keyId: backup.keyId, wrappedKey: backup.wrappedKey!, ciphertext: backup.sealedDataKey! }, `artifact:${backup.id}`),
    "base64",
  );
  const counter = progressCounter(input.onBytes ?? (async () => undefined));
  const source = new PassThrough();
  const decompress = backup.compression === "gzip" ? createGunzip({ chunkSize: 256 * 1024 }) : new PassThrough();
  const reading = pipeline(ctx.artifacts.reader(backup.artifactKey), createOpenStream(dataKey, `artifact:${backup.id}`), decompress, counter, source, { signal: input.signal });
  reading.catch(() => undefined);
  await Promise.all([reading, provider.restore!({
      kind: dependency.kind,
      connectionUrl: input.connectionUrl,
      metadata: dependency.metadata,
      source,
      format: backup.format,
      // The provider refuses (incompatible_version) a dump its target cannot load, before touching it.
      manifest: backup.manifest ?? undefined,
      sourceMetadata: input.sourceMetadata,
      signal: input.signal,
    })]);
  return counter.bytes();
}

/** Why an artifact cannot be restored ("" when it can): checked before anything touches a target. */
export async function artifactProblem(ctx: BackupContext, backup: BackupRecord): Promise<string> {
  if (!(await ctx.artifacts.exists(backup.artifactKey))) return "the backup artifact is missing";
  if ((await ctx.artifacts.checksum(backup.artifactKey)) !== backup.sha256) return "the backup artifact failed its checksum (corrupt or altered)";
  return "";
}
