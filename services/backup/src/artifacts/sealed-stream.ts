import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/**
 * Artifact encryption: AES-256-GCM, authenticated per chunk, streamed so memory
 * stays flat. Frame = u32 length ‖ u8 final ‖ 12-byte nonce ‖ ciphertext ‖ 16-byte tag.
 * Each chunk's index and final flag are bound as associated data, so chunks cannot
 * be reordered, dropped or truncated without detection.
 */
const CHUNK = 1024 * 1024;
const HEADER = 4 + 1 + 12;
const TAG = 16;

function aad(context: string, index: number, final: boolean): Buffer {
  return Buffer.from(`${context}:${index}:${final ? 1 : 0}`);
}

export function createSealStream(key: Buffer, context: string): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  const frame = (plain: Buffer, final: boolean): Buffer => {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(aad(context, index++, final));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(body.length + TAG, 0);
    header.writeUInt8(final ? 1 : 0, 4);
    return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= CHUNK) {
        const all = Buffer.concat(pending);
        this.push(frame(all.subarray(0, CHUNK), false));
        pending = [all.subarray(CHUNK)];
        pendingBytes = all.length - CHUNK;
      }
      callback();
    },
    flush(callback: TransformCallback) {
      this.push(frame(Buffer.concat(pending), true));
      callback();
    },
  });
}

/** Thrown when an artifact fails authentication: corrupt, truncated or not ours. */
export class ArtifactCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactCorruptError";
  }
}

export function createOpenStream(key: Buffer, context: string): Transform {
  // Incoming chunks are kept as a list and joined only once a whole frame is
  // there: joining on every chunk would copy each 1 MiB frame many times over.
  let parts: Buffer[] = [];
  let length = 0;
  let index = 0;
  let finished = false;
  const take = (n: number): Buffer => {
    const all = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    parts = rest.length ? [rest] : [];
    length = rest.length;
    return head;
  };
  const peek = (n: number): Buffer => (parts[0].length >= n ? parts[0] : (parts = [Buffer.concat(parts, length)])[0]);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      parts.push(chunk);
      length += chunk.length;
      try {
        while (length >= HEADER) {
          if (finished) throw new ArtifactCorruptError("data after the final chunk");
          const header = peek(HEADER);
          const size = header.readUInt32BE(0);
          if (size < TAG || size > CHUNK + TAG) throw new ArtifactCorruptError("bad chunk length");
          if (length < HEADER + size) break;
          const frame = take(HEADER + size);
          const final = frame.readUInt8(4) === 1;
          const decipher = createDecipheriv("aes-256-gcm", key, frame.subarray(5, HEADER));
          decipher.setAAD(aad(context, index++, final));
          decipher.setAuthTag(frame.subarray(HEADER + size - TAG));
          try {
            this.push(Buffer.concat([decipher.update(frame.subarray(HEADER, HEADER + size - TAG)), decipher.final()]));
          } catch {
            throw new ArtifactCorruptError(`chunk ${index - 1} failed authentication`);
          }
          finished = final;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      callback(finished && length === 0 ? undefined : new ArtifactCorruptError("the artifact is truncated"));
    },
  });
}
