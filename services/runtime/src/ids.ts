import { customAlphabet } from "nanoid";

/** Crockford-style: no I, L, O, U in either case, so ids read aloud and copy cleanly. */
export const ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz";
const ID_LENGTH = 16;

/**
 * nanoid's customAlphabet draws by rejection sampling, so every character is
 * equally likely (a plain `byte % 54` favours the first 40 characters).
 */
const randomPart = customAlphabet(ID_ALPHABET, ID_LENGTH);

/** A new random id with a type prefix: newId("dep") → "dep_7HqK2…" (16 chars, ~92 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomPart()}`;
}
