import { ProviderError, refuseNewerVersion, secretPartsOfUrl, type RestoreRequest } from "@berth/provider-sdk";
import { ownedPrefix, wrapError } from "./backup.js";
import { serverIdentity } from "./content.js";
import { DumpFormatError, readRecords, REDIS_FORMAT, type KeyRecord } from "./dump-format.js";
import { forEachKeyBatch, prefixPattern, unlinkAll } from "./keys.js";
import { endpointOf, RedisReplyError, RespConnection } from "./resp.js";

/** Restores in flight before waiting for their replies: bounds memory and keeps Redis busy. */
const RESTORE_BATCH = 1000;
const RESTORE_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * In-place restore, so the data ends equal to the restore point: first the
 * names of the keys that exist now are collected (SCAN, inside the
 * dependency's key prefix when it has one); then every key in the artifact
 * comes back with its value and remaining TTL (RESTORE … REPLACE, pipelined
 * one batch ahead) and is struck off that list; what is left on it was not in
 * the backup and is UNLINKed. Memory grows with the number of keys that
 * existed before the restore (none for a restore into an empty database).
 * With a manifest, a backup from a newer Redis (major.minor) than the target is
 * refused with incompatible_version before anything is read or changed.
 */
export async function restore(request: RestoreRequest): Promise<void> {
  if (request.format !== REDIS_FORMAT) throw new ProviderError("corrupt_artifact", `cannot restore format ${request.format}; expected ${REDIS_FORMAT}`);
  const secrets = secretPartsOfUrl(request.connectionUrl);
  const prefix = ownedPrefix(request.metadata);
  const prefixBytes = prefix === undefined ? undefined : Buffer.from(prefix);
  // Restoring another dependency's backup (a new dependency, a drill's scratch copy): its keys carry
  // the source's prefix, which is mapped onto this dependency's.
  const sourcePrefix = request.sourceMetadata ? ownedPrefix(request.sourceMetadata) : prefix;
  const sourceBytes = sourcePrefix === undefined ? undefined : Buffer.from(sourcePrefix);
  const mapKey = (key: Buffer) =>
    sourceBytes && prefixBytes && !sourceBytes.equals(prefixBytes) ? Buffer.concat([prefixBytes, key.subarray(sourceBytes.length)]) : key;
  let connection: RespConnection | undefined;
  try {
    connection = await RespConnection.open(endpointOf(request.connectionUrl), { signal: request.signal, secrets });
    const open = connection;
    if (request.manifest) {
      // RESTORE refuses payloads of a newer RDB version, and Redis bumps it in minor releases (7.0 → 7.2).
      const target = await serverIdentity(open);
      refuseNewerVersion({ subject: `the target ${target.name} server`, backupVersion: request.manifest.engine.version, targetVersion: target.version, precision: "minor" });
    }
    const pattern = prefix === undefined ? undefined : prefixPattern(prefix);
    // Names without the prefix (it is the same for all): less memory and hashing.
    const nameOf = (key: Buffer) => key.toString("latin1", prefixBytes?.length ?? 0);
    const existing = new Set<string>();
    await forEachKeyBatch(open, pattern, (keys) => {
      for (const key of keys) existing.add(nameOf(key));
    }, request.signal);
    let inFlight = 0;
    let batchCount = 0;
    let batchBytes = 0;
    const settle = async (count: number) => {
      if (count === 0) return;
      const replies = await open.take(count);
      const refused = replies.find((reply) => reply instanceof RedisReplyError);
      if (refused) throw refused;
    };
    const endBatch = async () => {
      open.flush();
      // Wait for the batch before last: one batch is always on its way to Redis.
      await settle(inFlight);
      await open.drained();
      inFlight = batchCount;
      batchCount = 0;
      batchBytes = 0;
    };
    for await (const records of readRecords(request.source)) {
      if (request.signal.aborted) throw new ProviderError("internal", "restore aborted");
      for (const record of records) {
        checkOwned(record, sourceBytes);
        const key = mapKey(record.key);
        if (existing.size > 0) existing.delete(nameOf(key));
        open.send(["RESTORE", key, record.pttl > 0 ? record.pttl : 0, record.dump, "REPLACE"]);
        batchCount++;
        batchBytes += record.dump.length;
        if (batchCount >= RESTORE_BATCH || batchBytes >= RESTORE_BATCH_BYTES) await endBatch();
      }
    }
    await endBatch();
    await settle(inFlight);
    const extra = function* () {
      for (const name of existing) {
        const rest = Buffer.from(name, "latin1");
        yield prefixBytes === undefined ? rest : Buffer.concat([prefixBytes, rest]);
      }
    };
    await unlinkAll(open, extra(), request.signal);
  } catch (error) {
    if (error instanceof DumpFormatError) throw new ProviderError("corrupt_artifact", `the artifact is not a valid ${REDIS_FORMAT} stream: ${error.message}`, { cause: error });
    throw wrapError("restore", error, secrets);
  } finally {
    connection?.close();
  }
}

function checkOwned(record: KeyRecord, prefix: Buffer | undefined): void {
  if (prefix === undefined) return;
  if (record.key.length < prefix.length || !record.key.subarray(0, prefix.length).equals(prefix)) {
    throw new ProviderError("corrupt_artifact", "the artifact holds a key outside the dependency's key prefix");
  }
}
