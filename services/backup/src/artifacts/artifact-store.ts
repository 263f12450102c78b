import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** What a finished write produced. */
export interface ArtifactInfo {
  sizeBytes: number;
  sha256: string;
}

/** An artifact being written: bytes go into `stream`; nothing is visible until `commit`. */
export interface ArtifactWriter {
  stream: Writable;
  /** Waits for the bytes to be durable, then publishes the artifact under its key. */
  commit(): Promise<ArtifactInfo>;
  /** Drops a partial write. */
  abort(): Promise<void>;
}

/**
 * Where backup artifacts live. One interface for a local directory (default) and
 * S3-compatible object storage, so the backup service never knows which.
 */
export interface ArtifactStore {
  writer(key: string): Promise<ArtifactWriter>;
  reader(key: string): Readable;
  /** SHA-256 of the stored bytes (a full read). */
  checksum(key: string): Promise<string>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Unfinished writes of `key` a dead or cancelled job left (`<key>.partial` files, open multipart uploads). */
  listPartials(key: string): Promise<string[]>;
  /** Removes every unfinished write of `key`; the finished artifact, if any, stays. Returns how many it removed. */
  removePartials(key: string): Promise<number>;
}

/** Counts and hashes the bytes that pass through. */
function measuring(): Transform & { info(): ArtifactInfo } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { info(): ArtifactInfo };
  stream.info = () => ({ sizeBytes: size, sha256: hash.digest("hex") });
  return stream;
}

/** Artifacts as files under one directory; a write lands as `<key>.partial` and is renamed when whole. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`bad artifact key ${key}`);
    return join(this.root, key);
  }

  async writer(key: string): Promise<ArtifactWriter> {
    const final = this.path(key);
    const partial = `${final}.partial`;
    await mkdir(dirname(final), { recursive: true, mode: 0o700 });
    const meter = measuring();
    const file = createWriteStream(partial, { mode: 0o600 });
    const written = pipeline(meter, file);
    written.catch(() => undefined);
    return {
      stream: meter,
      async commit() {
        await written;
        const handle = await open(partial, "r");
        await handle.sync();
        await handle.close();
        await rename(partial, final);
        return meter.info();
      },
      async abort() {
        meter.destroy();
        await written.catch(() => undefined);
        await rm(partial, { force: true });
      },
    };
  }

  reader(key: string): Readable {
    return createReadStream(this.path(key), { highWaterMark: 1024 * 1024 });
  }

  async checksum(key: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of this.reader(key)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.path(key)).then(
      () => true,
      () => false,
    );
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
    await this.removePartials(key);
  }

  async listPartials(key: string): Promise<string[]> {
    const partial = `${this.path(key)}.partial`;
    return (await this.exists(`${key}.partial`)) ? [partial] : [];
  }

  async removePartials(key: string): Promise<number> {
    const partials = await this.listPartials(key);
    for (const partial of partials) await rm(partial, { force: true });
    return partials.length;
  }
}
