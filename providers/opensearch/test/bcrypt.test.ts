import { describe, expect, it } from "vitest";
import { bcryptHash, bcryptVerify } from "../src/bcrypt.js";

// Hashes made by libxcrypt (glibc crypt(3), through `perl -e 'print crypt($password, $salt)'`),
// an implementation independent of ours; the U*U one is also OpenWall's published test vector.
const LIBXCRYPT_VECTORS: Array<[password: string, hash: string]> = [
  ["", "$2b$04$abcdefghijklmnopqrstuubyCG3zY1GIXMyxfivm.ClDiInHzxjiq"],
  ["U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"],
  ["password", "$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm"],
  ["password", "$2y$10$ABCDEFGHIJKLMNOPQRSTUueXqrWRZS20n1hA9XZ2.oL14bwib8qAS"],
  // Longer than 72 bytes: bcrypt uses only the first 72.
  ["0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789", "$2b$04$abcdefghijklmnopqrstuuHxam/M2RLwcV1UWtPRmDriNG.wOz6pC"],
];

describe("bcrypt (bcryptjs, for security-plugin password hashes)", () => {
  it.each(LIBXCRYPT_VECTORS)("agrees with libxcrypt for %j", async (password, hash) => {
    expect(await bcryptVerify(password, hash)).toBe(true);
    expect(await bcryptVerify(`wrong-${password}`, hash)).toBe(false);
  });

  it("reproduces libxcrypt's hash from the same salt", async () => {
    const salt = Buffer.from("71d79f8218a39259a7a29aabb2dbafc3", "hex"); // decodes from "abcdefghijklmnopqrstuu"
    const hash = await bcryptHash("password", 4, salt);
    expect(hash.replace(/^\$2y\$/, "$2b$")).toBe("$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm");
  });

  it("hashes in the $2y$ form the security plugin writes, with a random salt, and verifies it", async () => {
    const first = await bcryptHash("s3cret-Value", 4);
    const second = await bcryptHash("s3cret-Value", 4);
    expect(first).toMatch(/^\$2y\$04\$[./A-Za-z0-9]{53}$/);
    expect(first).not.toBe(second);
    expect(await bcryptVerify("s3cret-Value", first)).toBe(true);
    expect(await bcryptVerify("s3cret-value", first)).toBe(false);
    expect(await bcryptVerify("s3cret-Value", "not a hash")).toBe(false);
  });
});
