import { describe, expect, it } from "vitest";
import { maskConnectionUrl, redactSecrets, secretPartsOfUrl } from "../src/masking.js";

// Distinctive enough that finding it anywhere in output means it leaked.
const PW = "Pl4nted-S3cret-91ab";

describe("maskConnectionUrl", () => {
  it.each([
    ["postgres", `postgres://app:${PW}@db.internal:5432/app?sslmode=require`, "postgres://app:****@db.internal:5432/app?sslmode=require"],
    ["postgresql", `postgresql://app:${PW}@db.internal/app`, "postgresql://app:****@db.internal/app"],
    ["redis (no user)", `redis://:${PW}@cache.internal:6379/0`, "redis://:****@cache.internal:6379/0"],
    ["rediss", `rediss://default:${PW}@cache.internal:6380/2`, "rediss://default:****@cache.internal:6380/2"],
    ["mysql", `mysql://root:${PW}@mysql.internal:3306/shop`, "mysql://root:****@mysql.internal:3306/shop"],
    ["s3", `s3://AKIAEXAMPLE:${PW}@minio.internal:9000/bucket?region=us-east-1`, "s3://AKIAEXAMPLE:****@minio.internal:9000/bucket?region=us-east-1"],
    ["https", `https://deploy:${PW}@api.example.com/v1/items`, "https://deploy:****@api.example.com/v1/items"],
  ])("masks the password of a %s URL and keeps everything else", (_scheme, url, expected) => {
    const masked = maskConnectionUrl(url);
    expect(masked).toBe(expected);
    expect(masked).not.toContain(PW);
  });

  it("masks a percent-encoded password without leaving its encoded or decoded form", () => {
    const url = "postgresql://app:p%40ss%2Fw0rd%3A1@db.internal:5432/app";
    const masked = maskConnectionUrl(url);
    expect(masked).toBe("postgresql://app:****@db.internal:5432/app");
    expect(masked).not.toContain("p%40ss");
    expect(masked).not.toContain("p@ss");
  });

  it("masks a password that contains an unencoded @ (the last @ ends the userinfo)", () => {
    const masked = maskConnectionUrl("postgres://app:p@ssw0rd@db.internal/app");
    expect(masked).toBe("postgres://app:****@db.internal/app");
    expect(masked).not.toContain("ssw0rd");
  });

  it("leaves a URL without a password unchanged", () => {
    expect(maskConnectionUrl("postgres://app@db.internal:5432/app?sslmode=require")).toBe("postgres://app@db.internal:5432/app?sslmode=require");
  });

  it.each([
    ["password", "postgres://db.internal/app?user=app&password=hunter22&sslmode=require", "postgres://db.internal/app?user=app&password=****&sslmode=require"],
    ["token", "https://api.example.com/v1?token=tok_abc123&timeout=2", "https://api.example.com/v1?token=****&timeout=2"],
    ["secret_key", "s3://minio.internal/bucket?access_key=AKIAEXAMPLE&secret_key=wJalrXUtnFEMI&region=eu", "s3://minio.internal/bucket?access_key=****&secret_key=****&region=eu"],
  ])("masks the %s= query parameter and keeps the other parameters", (_key, url, expected) => {
    expect(maskConnectionUrl(url)).toBe(expected);
  });

  it("matches secret query parameter names case-insensitively", () => {
    const masked = maskConnectionUrl("mysql://db.internal/shop?Password=hunter22&TOKEN=tok_abc123");
    expect(masked).not.toContain("hunter22");
    expect(masked).not.toContain("tok_abc123");
  });

  it("masks both the userinfo password and a secret query parameter in one URL", () => {
    const masked = maskConnectionUrl(`https://deploy:${PW}@api.example.com/v1?token=tok_abc123&region=eu`);
    expect(masked).toBe("https://deploy:****@api.example.com/v1?token=****&region=eu");
  });

  it.each([
    ["free text", `not a url ${PW}`],
    ["an empty string", ""],
    ["an invalid port", `postgres://app:${PW}@db.internal:99999/app`],
  ])("masks unparseable input (%s) whole", (_what, input) => {
    expect(maskConnectionUrl(input)).toBe("****");
  });
});

describe("redactSecrets", () => {
  it("removes every occurrence of a given secret", () => {
    const text = `auth failed with password ${PW}; retried with ${PW}`;
    expect(redactSecrets(text, [PW])).toBe("auth failed with password ****; retried with ****");
  });

  it("removes the URL-encoded form of a secret too", () => {
    const secret = "p@ss/w0rd:x";
    const text = "could not connect: p%40ss%2Fw0rd%3Ax rejected (raw: p@ss/w0rd:x)";
    const out = redactSecrets(text, [secret]);
    expect(out).toBe("could not connect: **** rejected (raw: ****)");
  });

  it("removes the password of a URL found in a driver error message, even when not given as a secret", () => {
    const message = `connect ECONNREFUSED while dialing postgres://app:${PW}@db.internal:5432/app (after 3 attempts)`;
    const out = redactSecrets(message);
    expect(out).toBe("connect ECONNREFUSED while dialing postgres://app:****@db.internal:5432/app (after 3 attempts)");
    expect(out).not.toContain(PW);
  });

  it("removes URL passwords for several URLs in one text, including ones without a user name", () => {
    const out = redactSecrets(`primary mysql://root:${PW}@a.internal/shop failed, fallback redis://:other-pw-77@b.internal:6379 failed`);
    expect(out).toBe("primary mysql://root:****@a.internal/shop failed, fallback redis://:****@b.internal:6379 failed");
  });

  it("does not touch a URL with a port but no userinfo", () => {
    const text = "dial tcp postgres://db.internal:5432/app: connection refused";
    expect(redactSecrets(text)).toBe(text);
  });

  it("leaves text without secrets unchanged", () => {
    expect(redactSecrets('relation "users" does not exist', [PW])).toBe('relation "users" does not exist');
  });

  it("does not use secrets shorter than 4 characters as needles (they would shred ordinary text)", () => {
    const text = "abc: user abc is not allowed; xy";
    expect(redactSecrets(text, ["abc", "xy"])).toBe(text);
  });

  it("uses a secret of exactly 4 characters", () => {
    expect(redactSecrets("password abcd rejected", ["abcd"])).toBe("password **** rejected");
  });

  it("still masks a short password that appears as URL userinfo", () => {
    expect(redactSecrets("connecting to postgres://app:abc@db/app", ["abc"])).toBe("connecting to postgres://app:****@db/app");
  });

  it("ignores undefined and empty entries in the secret list", () => {
    expect(redactSecrets("nothing to hide", [undefined, ""])).toBe("nothing to hide");
  });
});

describe("secretPartsOfUrl", () => {
  it("returns the decoded password and the values of secret query parameters", () => {
    expect(secretPartsOfUrl("postgres://app:p%40ss%2Fw0rd@db.internal/app?sslmode=require&password=other-secret")).toEqual([
      "p@ss/w0rd",
      "other-secret",
    ]);
  });

  it("returns nothing for a URL without secrets", () => {
    expect(secretPartsOfUrl("postgres://app@db.internal/app?sslmode=require")).toEqual([]);
  });

  it("returns the whole input and its likely password when it cannot be parsed", () => {
    expect(secretPartsOfUrl(`postgres://app:${PW}@db.internal:99999/app`)).toEqual([`postgres://app:${PW}@db.internal:99999/app`, PW]);
  });

  it("feeds redactSecrets so that a driver message quoting the password is cleaned", () => {
    const url = "s3://AKIAEXAMPLE:wJalr%2FK7MDENG@minio.internal:9000/bucket";
    const message = "SignatureDoesNotMatch for secret wJalr/K7MDENG (encoded wJalr%2FK7MDENG)";
    const out = redactSecrets(message, secretPartsOfUrl(url));
    expect(out).toBe("SignatureDoesNotMatch for secret **** (encoded ****)");
  });
});

describe("input without scheme://", () => {
  it("is masked whole, since user:password@host would otherwise parse as a scheme", () => {
    expect(maskConnectionUrl("app:secret@db.internal")).toBe("****");
    expect(secretPartsOfUrl("app:secret@db.internal")).toEqual(["app:secret@db.internal"]);
  });
});
