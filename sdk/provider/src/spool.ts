import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/**
 * A private temp file for data a provider must read twice (check a whole
 * artifact before dropping anything, then apply it). The bytes on disk are
 * encrypted (AES-256-CTR) with a key that lives only in this process, so a spool
 * left behind by a killed process is unreadable: restores never leave the
 * plaintext of a backup on disk. Always `dispose()` it (in a finally block).
 *
 * @example
 * const spool = await createSpool("clickhouse-restore");
 * try {
 *   await spool.fill(request.source, request.signal);
 *   for await (const item of readArtifact(spool.reader())) check(item);
 *   for await (const item of readArtifact(spool.reader())) await apply(item);
 * } finally {
 *   await spool.dispose();
 * }
 */
export interface Spool {
  /** Writes everything `source` yields into the spool (call once); resolves when it is on disk. */
  fill(source: Readable | AsyncIterable<Buffer | string>, signal?: AbortSignal): Promise<void>;
  /** A fresh stream of the decrypted contents, from the start (call as often as needed, after fill). */
  reader(options?: { highWaterMark?: number }): Readable;
  /** Deletes the file and its directory. */
  dispose(): Promise<void>;
}

export async function createSpool(label: string): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), `berth-${label.replace(/[^a-z0-9-]/gi, "")}-`));
  const path = join(dir, "spool");
  const key = randomBytes(32);
  const iv = randomBytes(16);
  return {
    async fill(source, signal) {
      const input = source instanceof Readable ? source : Readable.from(source);
      await pipeline(input, createCipheriv("aes-256-ctr", key, iv), createWriteStream(path, { mode: 0o600 }), ...(signal ? [{ signal }] : []));
    },
    reader(options = {}) {
      const decipher = createDecipheriv("aes-256-ctr", key, iv);
      const file = createReadStream(path, { highWaterMark: options.highWaterMark ?? 256 * 1024 });
      file.on("error", (error) => decipher.destroy(error));
      return file.pipe(decipher);
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
