import { describe, expect, it } from "vitest";
import { serveForTests, testDeployment } from "../support/berth-server.js";
import { adminQuery, databaseUrl, plantedSecret } from "../support/env.js";
import { readEvents } from "../support/nats.js";
import { cliSession } from "../support/server-process.js";

// A user imports connections in every URL form a driver reads as carrying a secret, each with
// its own planted secret, then looks at them every way Berth shows them. The secret must appear
// nowhere but in the encrypted secret store: not in CLI output, server logs, events, or any
// state row of Berth's own database.

const deployment = testDeployment();
const served = serveForTests(deployment);
const { berth, json, outputs } = cliSession(() => served.env);

/** One import per URL form: kind, a name, and the URL built around its planted secret. */
const FORMS: Array<{ kind: string; name: string; url: (secret: string) => string }> = [
  { kind: "redis", name: "redis-lone-userinfo", url: (s) => `redis://${s}@cache.example.com:6379/0` },
  { kind: "redis", name: "rediss-lone-userinfo", url: (s) => `rediss://${s}@cache.example.com/1` },
  { kind: "redis", name: "redis-password-query", url: (s) => `redis://cache.example.com/0?password=${s}` },
  { kind: "redis", name: "redis-user-is-password", url: (s) => `redis://${s}:${s}@cache.example.com/0` },
  { kind: "postgres", name: "pg-options", url: (s) => `postgres://app@db.example.com/orders?options=${encodeURIComponent(`-c password=${s}`)}&sslmode=require` },
  { kind: "postgres", name: "pg-password-query", url: (s) => `postgresql://db.example.com/orders?user=app&password=${s}` },
  { kind: "postgres", name: "pg-sslpassword-sslkey", url: (s) => `postgres://app@db.example.com/orders?sslpassword=${s}&sslkey=/keys/${s}.pem` },
  { kind: "postgres", name: "pg-fragment", url: (s) => `postgres://app@db.example.com/orders#${s}` },
  { kind: "postgres", name: "pg-user-and-db-are-password", url: (s) => `postgres://${s}:${s}@db.example.com/${s}` },
  { kind: "mysql", name: "mysql-password-query", url: (s) => `mysql://shop@mysql.example.com/shop?password=${s}` },
  { kind: "mysql", name: "mysql-db-contains-password", url: (s) => `mariadb://shop:${s}@mysql.example.com/shop_${s}` },
  { kind: "clickhouse", name: "ch-http-query", url: (s) => `http://ch.example.com:8123/?user=${s}&password=${s}` },
  { kind: "object-storage", name: "s3-query-secret", url: (s) => `s3://s3.example.com/bucket-a?region=eu-west-1&secret_key=${s}` },
  { kind: "opensearch", name: "os-token-fragment", url: (s) => `https://admin:${s}@search.example.com:9200/logs?api_key=${s}#${s}` },
];

const planted = FORMS.map((form) => ({ ...form, secret: plantedSecret(form.name.replaceAll("-", "")) }));
const scope = ["--project", "prj_masking", "--environment", "env_masking"];
const ids: string[] = [];


describe("masking of every secret-carrying URL form, end to end", () => {
  it.each(planted)("imports $name ($kind) and shows it masked", async ({ kind, name, url, secret }) => {
    const record = await json<{ id: string; maskedConnectionUrl: string; metadata: Record<string, string> }>(
      ["dependency", "import", "--kind", kind, ...scope, "--name", name, "--connection-url-stdin"],
      `${url(secret)}\n`,
    );
    ids.push(record.id);
    expect(record.maskedConnectionUrl).toContain("****");
    expect(record.maskedConnectionUrl).not.toContain(secret);
    expect(JSON.stringify(record.metadata)).not.toContain(secret);
  });

  it("stores a new connection version in another form, and refuses a bad URL without quoting it", async () => {
    const secret = plantedSecret("updateconn");
    planted.push({ kind: "redis", name: "updated", url: (s) => `redis://${s}@cache.example.com/3`, secret });
    const result = await berth(["dependency", "update-connection", ids[0], "--connection-url-stdin"], `redis://${secret}@cache.example.com/3\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/redis:\/\/\*\*\*\*@cache\.example\.com\/3/);

    const bad = plantedSecret("badimport");
    planted.push({ kind: "redis", name: "bad", url: (s) => `redis://${s}@cache.example.com/99`, secret: bad });
    const refused = await berth(["dependency", "import", "--kind", "redis", ...scope, "--name", "bad-url", "--connection-url-stdin"], `redis://${bad}@cache.example.com/99#${bad}\n`);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("[connection_url_invalid]");
  });

  it("list, show and JSON output never hold a planted secret", async () => {
    await berth(["dependency", "list", ...scope]);
    await berth(["dependency", "list", ...scope, "-o", "json"]);
    for (const id of ids) {
      await berth(["dependency", "show", id]);
      await berth(["dependency", "show", id, "-o", "json"]);
    }
    const shown = outputs.join("\n");
    expect(shown).toContain("redis://****@cache.example.com:6379/0");
    expect(shown).toContain("?options=****&sslmode=require");
    for (const { name, secret } of planted) expect(shown.includes(secret), `${name} leaked into CLI output`).toBe(false);
  });

  it("no server log line, event or state row holds a planted secret (only the encrypted secret store has them)", async () => {
    // Events are relayed from the outbox; wait until the last import's event reached NATS.
    let events = await readEvents(deployment.prefix);
    for (let i = 0; i < 50 && !events.some((e) => e.raw.includes(ids.at(-1)!)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      events = await readEvents(deployment.prefix);
    }
    expect(events.some((e) => e.raw.includes(ids.at(-1)!))).toBe(true);

    const tables = await adminQuery<{ schema: string; name: string }>(
      "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema LIKE 'berth_%' AND table_type = 'BASE TABLE' ORDER BY 1, 2",
      [],
      databaseUrl(deployment.databaseName),
    );
    expect(tables.map((t) => `${t.schema}.${t.name}`)).toEqual(expect.arrayContaining(["berth_dependency.dependencies", "berth_dependency.outbox", "berth_dependency.secrets"]));
    const rows: string[] = [];
    for (const { schema, name } of tables) {
      if (schema === "berth_dependency" && name === "secrets") continue;
      const found = await adminQuery<{ row: string }>(`SELECT t::text AS row FROM "${schema}"."${name}" t`, [], databaseUrl(deployment.databaseName));
      rows.push(...found.map((r) => `${schema}.${name}: ${r.row}`));
    }
    expect(rows.some((row) => row.includes("****"))).toBe(true);

    const log = served.server.output();
    expect(log.length).toBeGreaterThan(0);
    for (const { name, secret } of planted) {
      const hex = Buffer.from(secret).toString("hex");
      expect(log.includes(secret), `${name} leaked into the server log`).toBe(false);
      expect(events.some((e) => e.raw.includes(secret)), `${name} leaked into an event`).toBe(false);
      expect(rows.filter((row) => row.includes(secret) || row.includes(hex)), `${name} leaked into a state row`).toEqual([]);
    }

    // The secret store does hold each imported secret, encrypted: its ciphertext is not the plaintext.
    const stored = await adminQuery<{ n: string }>("SELECT count(*) AS n FROM berth_dependency.secrets", [], databaseUrl(deployment.databaseName));
    expect(Number(stored[0].n)).toBe(ids.length + 1);
  });
});
