import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * bcrypt ($2y$, as the OpenSearch security plugin's own hash tool writes it) in
 * plain TypeScript, so realize can send the security plugin a hash instead of
 * the plaintext password. Node's crypto has no bcrypt and this package takes
 * no native dependency. Checked against libxcrypt's output in test/bcrypt.test.ts.
 */

const ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SALT_BYTES = 16;
const HASH_BYTES = 23;
/** "OrpheanBeholderScryDoubt" as big-endian words: the text bcrypt encrypts. */
const MAGIC = Buffer.from("OrpheanBeholderScryDoubt", "latin1");
const HASH_PATTERN = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

let initialState: { p: Int32Array; s: Int32Array } | undefined;

/**
 * Blowfish's initial P-array and S-boxes are the hexadecimal digits of π's
 * fraction (18 + 4·256 words). Computing them (Machin's formula in BigInt, a
 * few milliseconds, once) replaces 8 KB of pasted constants.
 */
function blowfishInitialState(): { p: Int32Array; s: Int32Array } {
  if (initialState) return initialState;
  const words = 18 + 1024;
  const bits = BigInt(words * 32);
  const guard = 64n;
  const one = 1n << (bits + guard);
  const arctanInverse = (x: bigint): bigint => {
    let sum = 0n;
    let power = one / x;
    const xx = x * x;
    for (let k = 0n; power !== 0n; k++) {
      const term = power / (2n * k + 1n);
      sum = k % 2n === 0n ? sum + term : sum - term;
      power /= xx;
    }
    return sum;
  };
  const pi = 4n * (4n * arctanInverse(5n) - arctanInverse(239n));
  const fraction = (pi - 3n * one) >> guard;
  const hex = fraction.toString(16).padStart(words * 8, "0");
  const all = new Int32Array(words);
  for (let i = 0; i < words; i++) all[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16) | 0;
  initialState = { p: all.slice(0, 18), s: all.slice(18) };
  return initialState;
}

function encipher(lr: Int32Array, off: number, p: Int32Array, s: Int32Array): void {
  let l = lr[off];
  let r = lr[off + 1];
  l ^= p[0];
  for (let i = 1; i <= 16; i += 2) {
    r ^= (((s[l >>> 24] + s[0x100 | ((l >>> 16) & 0xff)]) ^ s[0x200 | ((l >>> 8) & 0xff)]) + s[0x300 | (l & 0xff)]) ^ p[i];
    l ^= (((s[r >>> 24] + s[0x100 | ((r >>> 16) & 0xff)]) ^ s[0x200 | ((r >>> 8) & 0xff)]) + s[0x300 | (r & 0xff)]) ^ p[i + 1];
  }
  lr[off] = r ^ p[17];
  lr[off + 1] = l;
}

/** Reads 4 bytes of `data` cyclically as one big-endian word. */
function wordReader(data: Uint8Array): () => number {
  let at = 0;
  return () => {
    let word = 0;
    for (let i = 0; i < 4; i++) {
      word = (word << 8) | data[at];
      at = (at + 1) % data.length;
    }
    return word;
  };
}

/** The Blowfish key schedule, salted (EksBlowfish's expensive step) when `salt` is given. */
function expandKey(key: Uint8Array, salt: Uint8Array | undefined, p: Int32Array, s: Int32Array): void {
  const nextKey = wordReader(key);
  for (let i = 0; i < 18; i++) p[i] ^= nextKey();
  const nextSalt = salt ? wordReader(salt) : () => 0;
  const lr = new Int32Array(2);
  const fill = (box: Int32Array) => {
    for (let i = 0; i < box.length; i += 2) {
      lr[0] ^= nextSalt();
      lr[1] ^= nextSalt();
      encipher(lr, 0, p, s);
      box[i] = lr[0];
      box[i + 1] = lr[1];
    }
  };
  fill(p);
  fill(s);
}

function encode(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i];
    const b1 = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const b2 = i + 2 < bytes.length ? bytes[i + 2] : 0;
    out += ALPHABET[b0 >> 2] + ALPHABET[((b0 & 3) << 4) | (b1 >> 4)];
    if (i + 1 < bytes.length) out += ALPHABET[((b1 & 0xf) << 2) | (b2 >> 6)];
    if (i + 2 < bytes.length) out += ALPHABET[b2 & 0x3f];
  }
  return out;
}

function decode(text: string, length: number): Buffer {
  const out = Buffer.alloc(length);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const char of text) {
    value = (value << 6) | ALPHABET.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (at < length) out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

/** Lets other work run during the 2^cost rounds, so a hash never blocks the event loop for long. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function rawHash(password: string, salt: Buffer, cost: number): Promise<Buffer> {
  const key = Buffer.concat([Buffer.from(password, "utf8"), Buffer.from([0])]).subarray(0, 72);
  const { p: initialP, s: initialS } = blowfishInitialState();
  const p = initialP.slice();
  const s = initialS.slice();
  expandKey(key, salt, p, s);
  const rounds = 2 ** cost;
  let last = Date.now();
  for (let i = 0; i < rounds; i++) {
    expandKey(key, undefined, p, s);
    expandKey(salt, undefined, p, s);
    if (Date.now() - last > 10) {
      await yieldToEventLoop();
      last = Date.now();
    }
  }
  const text = new Int32Array(6);
  for (let i = 0; i < 6; i++) text[i] = MAGIC.readInt32BE(i * 4);
  for (let i = 0; i < 64; i++) for (let block = 0; block < 6; block += 2) encipher(text, block, p, s);
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeInt32BE(text[i], i * 4);
  return out.subarray(0, HASH_BYTES);
}

/**
 * A bcrypt hash of `password`, in the `$2y$<cost>$<salt><hash>` form the
 * OpenSearch security plugin stores.
 *
 * @example
 * await bcryptHash("s3cret", 10) // "$2y$10$…"
 */
export async function bcryptHash(password: string, cost: number, salt: Buffer = randomBytes(SALT_BYTES)): Promise<string> {
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError("bcrypt cost must be an integer from 4 to 31");
  if (salt.length !== SALT_BYTES) throw new RangeError("bcrypt salt must be 16 bytes");
  const hash = await rawHash(password, salt, cost);
  return `$2y$${String(cost).padStart(2, "0")}$${encode(salt)}${encode(hash)}`;
}

/** Whether `password` matches a `$2a$`/`$2b$`/`$2y$` hash; false for anything that is not one. */
export async function bcryptVerify(password: string, hash: string): Promise<boolean> {
  const match = HASH_PATTERN.exec(hash);
  if (!match) return false;
  const cost = Number(match[1]);
  if (cost < 4 || cost > 31) return false;
  const expected = Buffer.from(encode(await rawHash(password, decode(match[2], SALT_BYTES), cost)));
  const actual = Buffer.from(match[3]);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
