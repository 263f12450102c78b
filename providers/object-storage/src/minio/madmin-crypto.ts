import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * MinIO's admin API encrypts request bodies that carry secrets (add-user) with
 * the caller's secret key: madmin-go `EncryptData`, which is
 *
 *   salt (32) ‖ AEAD id (1) ‖ nonce (8) ‖ sio-go stream ciphertext
 *
 * madmin-go derives the key with Argon2id unless FIPS mode is on, but its
 * `DecryptData` — what the server runs — accepts all three ids, including
 * 0x02 = PBKDF2-SHA256 (8192 rounds) + AES-256-GCM, which Node has built in.
 * Node 20 has no Argon2, so we always send 0x02.
 */
const PBKDF2_AES_GCM = 0x02;
const PBKDF2_ROUNDS = 8192;
const SALT_LENGTH = 32;
const NONCE_LENGTH = 8;
const TAG_LENGTH = 16;
/** sio-go's default fragment size (sio.BufSize). */
export const SIO_BUF_SIZE = 1 << 14;

type GcmAlgorithm = "aes-128-gcm" | "aes-256-gcm";

function gcmSeal(algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, plaintext: Buffer, associatedData: Buffer): Buffer {
  const cipher = createCipheriv(algorithm, key, nonce, { authTagLength: TAG_LENGTH });
  cipher.setAAD(associatedData);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function gcmOpen(algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, sealed: Buffer, associatedData: Buffer): Buffer {
  const decipher = createDecipheriv(algorithm, key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAAD(associatedData);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH)), decipher.final()]);
}

/** The 12-byte GCM nonce of fragment `sequence`: the stream nonce ‖ little-endian u32. */
function fragmentNonce(nonce: Buffer, sequence: number): Buffer {
  const out = Buffer.alloc(nonce.length + 4);
  nonce.copy(out);
  out.writeUInt32LE(sequence, nonce.length);
  return out;
}

/**
 * The additional data of every fragment: a flag byte (0x00, or 0x80 for the
 * final fragment) ‖ the tag of sealing nothing under fragment nonce 0 with the
 * caller's additional data.
 */
function fragmentAdditionalData(algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, associatedData: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x00]), gcmSeal(algorithm, key, fragmentNonce(nonce, 0), Buffer.alloc(0), associatedData)]);
}

type FragmentCipher = typeof gcmSeal | typeof gcmOpen;

/**
 * sio-go's fragment framing, the same both ways: `input` in fragments of
 * `fragmentSize` bytes, numbered from 1, each sealed or opened under its own
 * nonce, the last one (possibly empty) with the final flag in its additional data.
 */
function sioFragments(cipher: FragmentCipher, algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, input: Buffer, associatedData: Buffer, fragmentSize: number): Buffer {
  const additional = fragmentAdditionalData(algorithm, key, nonce, associatedData);
  const out: Buffer[] = [];
  let sequence = 1;
  let offset = 0;
  while (input.length - offset > fragmentSize) {
    out.push(cipher(algorithm, key, fragmentNonce(nonce, sequence++), input.subarray(offset, offset + fragmentSize), additional));
    offset += fragmentSize;
  }
  const final = Buffer.from(additional);
  final[0] = 0x80;
  out.push(cipher(algorithm, key, fragmentNonce(nonce, sequence), input.subarray(offset), final));
  return Buffer.concat(out);
}

/**
 * sio-go's stream encryption (EncWriter) for AES-GCM: the plaintext in
 * `bufSize` fragments, numbered from 1, the last one (possibly empty) flagged
 * final. A plaintext that is an exact multiple of `bufSize` ends with a full
 * final fragment, as sio-go's writer does.
 */
export function sioSeal(algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, plaintext: Buffer, associatedData = Buffer.alloc(0), bufSize = SIO_BUF_SIZE): Buffer {
  return sioFragments(gcmSeal, algorithm, key, nonce, plaintext, associatedData, bufSize);
}

/** The inverse of {@link sioSeal}: sealed fragments are `bufSize` plus the tag. Throws when any fragment is not authentic. */
export function sioOpen(algorithm: GcmAlgorithm, key: Buffer, nonce: Buffer, ciphertext: Buffer, associatedData = Buffer.alloc(0), bufSize = SIO_BUF_SIZE): Buffer {
  return sioFragments(gcmOpen, algorithm, key, nonce, ciphertext, associatedData, bufSize + TAG_LENGTH);
}

/** madmin-go `EncryptData(password, data)` in its PBKDF2/AES-256-GCM form. */
export function encryptAdminData(password: string, data: Buffer): Buffer {
  const salt = randomBytes(SALT_LENGTH);
  const nonce = randomBytes(NONCE_LENGTH);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, PBKDF2_ROUNDS, 32, "sha256");
  return Buffer.concat([salt, Buffer.from([PBKDF2_AES_GCM]), nonce, sioSeal("aes-256-gcm", key, nonce, data)]);
}

/** madmin-go `DecryptData` for the PBKDF2/AES-256-GCM form (used by the tests and for replies). */
export function decryptAdminData(password: string, data: Buffer): Buffer {
  if (data.length < SALT_LENGTH + 1 + NONCE_LENGTH + TAG_LENGTH || data[SALT_LENGTH] !== PBKDF2_AES_GCM) {
    throw new Error("not PBKDF2/AES-GCM madmin data");
  }
  const salt = data.subarray(0, SALT_LENGTH);
  const nonce = data.subarray(SALT_LENGTH + 1, SALT_LENGTH + 1 + NONCE_LENGTH);
  const key = pbkdf2Sync(Buffer.from(password, "utf8"), salt, PBKDF2_ROUNDS, 32, "sha256");
  return sioOpen("aes-256-gcm", key, nonce, data.subarray(SALT_LENGTH + 1 + NONCE_LENGTH));
}
