import { describe, expect, it } from "vitest";
import { credentialsOfUrl, maskConnectionUrl, maskSafeMetadata, redactSecrets, secretPartsOfUrl } from "../src/masking.js";

// Distinctive enough that finding it anywhere means it leaked.
const S = "Pl4nted-S3cret-77cd";
const E = encodeURIComponent(`-c password=${S}`);

/** Each URL form a driver of the kind reads as carrying a secret, and how it must print. */
const FORMS: Array<[kind: string, form: string, url: string, masked: string]> = [
  ["postgres", "userinfo password", `postgres://app:${S}@db.internal:5432/app`, "postgres://app:****@db.internal:5432/app"],
  ["postgres", "password query", `postgresql://db.internal/app?user=app&password=${S}&sslmode=require`, "postgresql://db.internal/app?user=app&password=****&sslmode=require"],
  ["postgres", "options with -c password=", `postgres://app@db.internal/app?options=${E}&sslmode=require`, "postgres://app@db.internal/app?options=****&sslmode=require"],
  ["postgres", "sslpassword and sslkey", `postgres://app@db.internal/app?sslpassword=${S}&sslkey=/k/${S}.key`, "postgres://app@db.internal/app?sslpassword=****&sslkey=****"],
  ["postgres", "passfile", `postgres://app@db.internal/app?passfile=/secrets/${S}`, "postgres://app@db.internal/app?passfile=****"],
  ["postgres", "fragment", `postgres://app@db.internal/app#${S}`, "postgres://app@db.internal/app#****"],
  ["postgres", "password equal to the user and database", `postgres://${S}:${S}@db.internal/${S}`, "postgres://****:****@db.internal/****"],
  ["postgres", "database containing the password", `postgres://app:${S}@db.internal/app_${S}_x`, "postgres://app:****@db.internal/****"],
  ["postgres", "percent-encoded password repeated decoded", `postgres://app:p%40${S}@db.internal/p@${S}`, "postgres://app:****@db.internal/****"],
  ["mysql", "userinfo password", `mysql://root:${S}@mysql.internal:3306/shop`, "mysql://root:****@mysql.internal:3306/shop"],
  ["mysql", "password query", `mariadb://root@mysql.internal/shop?password=${S}&charset=utf8mb4`, "mariadb://root@mysql.internal/shop?password=****&charset=utf8mb4"],
  ["mysql", "unknown query parameter", `mysql://root@mysql.internal/shop?auth_plugin_data=${S}`, "mysql://root@mysql.internal/shop?auth_plugin_data=****"],
  ["redis", "password-only userinfo", `redis://${S}@cache.internal:6379/0`, "redis://****@cache.internal:6379/0"],
  ["redis", "password-only userinfo, TLS", `rediss://${S}@cache.internal:6380`, "rediss://****@cache.internal:6380"],
  ["redis", "empty user and password", `redis://:${S}@cache.internal:6379/0`, "redis://:****@cache.internal:6379/0"],
  ["redis", "password query", `redis://cache.internal:6379/0?password=${S}`, "redis://cache.internal:6379/0?password=****"],
  ["redis", "user equal to the password", `redis://${S}:${S}@cache.internal:6379/0`, "redis://****:****@cache.internal:6379/0"],
  ["clickhouse", "password query (HTTP)", `http://ch.internal:8123/?user=default&password=${S}&database=logs`, "http://ch.internal:8123/?user=default&password=****&database=logs"],
  ["clickhouse", "user query equal to the password", `http://ch.internal:8123/?user=${S}&password=${S}`, "http://ch.internal:8123/?user=****&password=****"],
  ["clickhouse", "native userinfo", `clickhouse://default:${S}@ch.internal:9000/logs`, "clickhouse://default:****@ch.internal:9000/logs"],
  ["object-storage", "secret key in userinfo", `s3://AKIAEXAMPLE:${S}@minio.internal:9000/bucket?region=eu-west-1`, "s3://AKIAEXAMPLE:****@minio.internal:9000/bucket?region=eu-west-1"],
  ["object-storage", "secret key in query", `https://minio.internal/bucket?accessKeyId=AKIAEXAMPLE&secretAccessKey=${S}`, "https://minio.internal/bucket?accessKeyId=****&secretAccessKey=****"],
  ["object-storage", "session token and signature", `https://s3.internal/bucket?X-Amz-Security-Token=${S}&X-Amz-Signature=${S}x`, "https://s3.internal/bucket?X-Amz-Security-Token=****&X-Amz-Signature=****"],
  ["opensearch", "userinfo password", `https://admin:${S}@search.internal:9200/logs`, "https://admin:****@search.internal:9200/logs"],
  ["opensearch", "token query and fragment", `https://search.internal:9200/logs?api_key=${S}#${S}`, "https://search.internal:9200/logs?api_key=****#****"],
];

describe("maskConnectionUrl covers every URL form that carries a secret", () => {
  it.each(FORMS)("%s: %s", (_kind, _form, url, masked) => {
    expect(maskConnectionUrl(url)).toBe(masked);
  });

  it.each(FORMS)("%s: %s — the secret is among secretPartsOfUrl and redactSecrets removes it from text", (_kind, _form, url) => {
    const parts = secretPartsOfUrl(url);
    expect(parts.some((p) => p.includes(S))).toBe(true);
    const text = `driver said: cannot connect to ${url} (secret ${parts.join(", ")})`;
    expect(redactSecrets(text, parts)).not.toContain(S);
    // Without the list, the URL's own rules still apply, with or without trailing punctuation.
    expect(redactSecrets(`cannot connect to ${url}: refused`)).not.toContain(S);
    expect(redactSecrets(`"url":"${url}", failed`)).not.toContain(S);
  });

  it("keeps a lone userinfo as the user name where the scheme reads it so", () => {
    expect(maskConnectionUrl("postgres://app@db.internal/app")).toBe("postgres://app@db.internal/app");
    expect(maskConnectionUrl("https://AKIAEXAMPLE@minio.internal/bucket")).toBe("https://AKIAEXAMPLE@minio.internal/bucket");
  });

  it("masks an empty-valued or bare query parameter safely and keeps empty parts", () => {
    expect(maskConnectionUrl(`redis://cache.internal/0?${S}`)).toBe("redis://cache.internal/0?****");
    expect(maskConnectionUrl("postgres://db.internal/app?password=&sslmode=disable#")).toBe("postgres://db.internal/app?password=&sslmode=disable#");
  });

  it("masks a query value with + for space as URLSearchParams decodes it", () => {
    expect(maskConnectionUrl(`postgres://app@db.internal/app?password=a+${S}&application_name=a%20${S}`)).toBe(
      "postgres://app@db.internal/app?password=****&application_name=****",
    );
  });

  it("masks whole a URL whose password holds an unencoded / (the parser would take its head for the port)", () => {
    expect(maskConnectionUrl(`postgres://app:12/${S}@db.internal/app`)).toBe("****");
    expect(secretPartsOfUrl(`postgres://app:12/${S}@db.internal/app`)).toContain(`12/${S}`);
  });

  it("masks whole input with whitespace or control characters", () => {
    expect(maskConnectionUrl(`redis://${S}@cache.internal\n`)).toBe("****");
  });
});

describe("credentialsOfUrl", () => {
  it.each([
    [`redis://${S}@cache.internal`, { user: undefined, password: S }],
    [`redis://default:${S}@cache.internal`, { user: "default", password: S }],
    [`redis://default:@cache.internal`, { user: "default", password: undefined }],
    [`postgres://app@db.internal/app`, { user: "app", password: undefined }],
    [`postgres://a%40p:p%2F${S}@db.internal/app`, { user: "a@p", password: `p/${S}` }],
    ["postgres://db.internal/app", { user: undefined, password: undefined }],
  ])("reads %s as its clients do", (url, expected) => {
    expect(credentialsOfUrl(url)).toEqual(expected);
  });
});

describe("maskSafeMetadata", () => {
  it("masks a user equal to the password and a database containing it, and keeps the rest", () => {
    const url = `postgres://${S}:${S}@db.internal:5432/app_${S}`;
    expect(maskSafeMetadata({ host: "db.internal", port: "5432", user: S, database: `app_${S}` }, url)).toEqual({
      host: "db.internal",
      port: "5432",
      user: "****",
      database: "****",
    });
  });

  it("masks a short password only where a value equals it", () => {
    expect(maskSafeMetadata({ user: "abc", database: "abcdef" }, "postgres://abc:abc@db/abcdef")).toEqual({ user: "****", database: "abcdef" });
  });

  it("masks a Redis lone-userinfo password that a provider put into metadata as the user", () => {
    expect(maskSafeMetadata({ host: "cache.internal", user: S }, `redis://${S}@cache.internal`)).toEqual({ host: "cache.internal", user: "****" });
  });
});

describe("masking runs in linear time", () => {
  const MIB = 1024 * 1024;
  const inputs: Array<[string, string]> = [
    ["letters (the old scheme regex backtracked here)", "a".repeat(MIB)],
    ["scheme-like runs without ://", "ab+c.d-e:".repeat(MIB / 9)],
    ["many :// separators", "a://".repeat(MIB / 4)],
    ["one URL with a huge userinfo", `redis://${"u:".repeat(MIB / 2)}@h`],
    ["one URL with a huge query", `postgres://h/d?${"k=v&".repeat(MIB / 4)}`],
    ["many URLs", "redis://p@h/0 ".repeat(MIB / 14)],
    ["many distinct secret parameters", `postgres://h/d?${Array.from({ length: 40_000 }, (_, i) => `password=pw${i}x&`).join("")}`],
  ];

  it.each(inputs)("redactSecrets on 1 MiB of %s finishes fast", (_what, text) => {
    const started = performance.now();
    redactSecrets(text, [S]);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it.each(inputs)("maskConnectionUrl and secretPartsOfUrl on 1 MiB of %s finish fast", (_what, text) => {
    const started = performance.now();
    maskConnectionUrl(text);
    maskSafeMetadata({ host: "h" }, text);
    secretPartsOfUrl(text);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
