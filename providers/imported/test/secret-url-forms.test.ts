import { describe, expect, it } from "vitest";
import { importedProvider } from "../src/index.js";

// Unique enough that finding it anywhere in output means it leaked.
const S = "Pl4nted-S3cret-e2a4b1";

/** Every URL form a kind's drivers read as carrying a secret, valid under that kind's import rules. */
const FORMS: Array<[kind: string, form: string, url: string]> = [
  ["postgres", "password query", `postgres://db.example.com/orders?user=app&password=${S}`],
  ["postgres", "options -c password=", `postgres://app@db.example.com/orders?options=${encodeURIComponent(`-c password=${S}`)}`],
  ["postgres", "sslpassword", `postgres://app@db.example.com/orders?sslmode=require&sslpassword=${S}`],
  ["postgres", "sslkey", `postgres://app@db.example.com/orders?sslkey=/keys/${S}.key`],
  ["postgres", "fragment", `postgres://app@db.example.com/orders#${S}`],
  ["postgres", "user equal to the password", `postgres://${S}:${S}@db.example.com/orders`],
  ["postgres", "database containing the password", `postgres://app:${S}@db.example.com/db-${S}`],
  ["redis", "password-only userinfo", `redis://${S}@cache.example.com:6379/0`],
  ["redis", "password-only userinfo, TLS", `rediss://${S}@cache.example.com`],
  ["redis", "password query", `redis://cache.example.com/0?password=${S}`],
  ["redis", "user equal to the password", `redis://${S}:${S}@cache.example.com/0`],
  ["mysql", "password query", `mysql://shop@mysql.example.com/shop?password=${S}`],
  ["mysql", "database equal to the password", `mysql://shop:${S}@mysql.example.com/${S}`],
  ["clickhouse", "password query", `http://ch.example.com:8123/?user=default&password=${S}`],
  ["clickhouse", "user query equal to the password", `https://ch.example.com/?user=${S}&password=${S}`],
  ["clickhouse", "fragment", `clickhouse://default@ch.example.com/logs#${S}`],
  ["object-storage", "secret key in query", `s3://s3.example.com/bucket-a?region=eu-west-1&secret_key=${S}`],
  ["object-storage", "access key equal to the secret key", `s3://${S}:${S}@s3.example.com/bucket-a`],
  ["opensearch", "token query", `https://search.example.com:9200/logs?token=${S}`],
  ["opensearch", "user equal to the password and fragment", `https://${S}:${S}@search.example.com:9200/logs#${S}`],
];

describe.each(FORMS)("%s: %s", (kind, _form, url) => {
  it("is accepted, and neither the masked URL nor the safe metadata holds the secret", () => {
    const { metadata, maskedUrl } = importedProvider.describeConnection(kind, url);
    expect(maskedUrl).toContain("****");
    expect(maskedUrl).not.toContain(S);
    expect(JSON.stringify(metadata)).not.toContain(S);
  });
});

describe("redis lone userinfo", () => {
  it("is not reported as a user name", () => {
    expect(importedProvider.describeConnection("redis", `redis://${S}@cache.example.com/2`)).toEqual({
      metadata: { host: "cache.example.com", port: "6379", db: "2", tls: "false" },
      maskedUrl: "redis://****@cache.example.com/2",
    });
  });

  it("still reports the user of user:password", () => {
    expect(importedProvider.describeConnection("redis", `redis://default:${S}@cache.example.com/2`).metadata.user).toBe("default");
  });
});

describe("validation errors", () => {
  it("never quote a secret from a query parameter or fragment", () => {
    for (const url of [`postgres://app@db.example.com/orders?sslmode=${S}`, `redis://${S}@cache.example.com/99`]) {
      let message = "";
      try {
        importedProvider.describeConnection(url.startsWith("redis") ? "redis" : "postgres", url);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain(S);
    }
  });
});
