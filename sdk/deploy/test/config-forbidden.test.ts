import { describe, expect, it } from "vitest";
import { BerthConfigError, parseBerthConfig, type ConfigProblem } from "@berth/deploy";

// Each forbidden-content rule: a realistic berth.yaml a developer might write,
// rejected with reason, key path, line and column, and never echoing the value.

const FORBIDDEN = "config_secret_value_forbidden";

function yamlOf(lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** 1-based line and column of the first occurrence of `needle`. */
function at(lines: string[], needle: string): { line: number; column: number } {
  const index = lines.findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`test bug: ${needle} not in config`);
  return { line: index + 1, column: lines[index].indexOf(needle) + 1 };
}

function rejected(lines: string[]): BerthConfigError {
  try {
    parseBerthConfig(yamlOf(lines));
  } catch (error) {
    expect(error).toBeInstanceOf(BerthConfigError);
    return error as BerthConfigError;
  }
  throw new Error("expected berth.yaml to be rejected");
}

/**
 * Asserts the config is rejected with exactly one forbidden problem, at `needle`, and
 * that the secret is nowhere in the error. Returns the error for further checks.
 */
function expectForbidden(lines: string[], expected: { path: string; needle: string; secret: string }): { problem: ConfigProblem; error: BerthConfigError } {
  const error = rejected(lines);
  const forbidden = error.problems.filter((p) => p.reason === FORBIDDEN);
  const { line, column } = at(lines, expected.needle);
  expect(forbidden).toEqual([expect.objectContaining({ path: expected.path, line, column })]);
  expect(error.reason).toBe(FORBIDDEN);
  expect(error.message).toContain(`berth.yaml:${line}:${column} ${expected.path || "(document)"}: `);
  expect(error.message).not.toContain(expected.secret);
  expect(JSON.stringify(error.problems)).not.toContain(expected.secret);
  return { problem: forbidden[0], error };
}

// Built at run time so secret scanners do not flag this file.
const token = (...parts: string[]) => parts.join("");

const DB = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind:", "      env: DATABASE_URL"];

describe("berth.yaml forbidden keys (by name, anywhere, case- and separator-insensitive)", () => {
  it("rejects a password next to a dependency", () => {
    const { problem } = expectForbidden([...DB, "    password: Tr0ub4dor-and-3"], { path: "dependencies.db.password", needle: "password:", secret: "Tr0ub4dor-and-3" });
    expect(problem.message).toContain("passwords");
  });

  it.each([
    ["DB_PASSWORD", "dependencies.db.DB_PASSWORD"],
    ["db-passwd", "dependencies.db.db-passwd"],
    ["adminPwd", "dependencies.db.adminPwd"],
  ])("rejects password spellings: %s", (key, path) => {
    expectForbidden([...DB, `    ${key}: Summer2024`], { path, needle: `${key}:`, secret: "Summer2024" });
  });

  it("rejects a secrets block at the top level", () => {
    const lines = ["resource: web", "run:", "  command: node server.js", "secrets:", "  STRIPE_WEBHOOK: whsec-local-test-only"];
    expectForbidden(lines, { path: "secrets", needle: "secrets:", secret: "whsec-local-test-only" });
  });

  it("rejects a token on a search dependency", () => {
    const lines = ["resource: web", "dependencies:", "  search:", "    kind: opensearch", "    authToken: search-admin-token", "    bind:", "      env: OPENSEARCH_URL"];
    expectForbidden(lines, { path: "dependencies.search.authToken", needle: "authToken:", secret: "search-admin-token" });
  });

  it("rejects API and access keys on an object-storage dependency", () => {
    const lines = ["resource: web", "dependencies:", "  assets:", "    kind: object-storage", "    bind:", "      env: ASSETS_BUCKET_URL", "    Access-Key: assets-uploader"];
    expectForbidden(lines, { path: "dependencies.assets.Access-Key", needle: "Access-Key:", secret: "assets-uploader" });
  });

  it("rejects a credentials block, reporting it once rather than each key inside", () => {
    const lines = [...DB, "    credentials:", "      user: app", "      password: app-password-1"];
    const { problem } = expectForbidden(lines, { path: "dependencies.db.credentials", needle: "credentials:", secret: "app-password-1" });
    expect(problem.message).toContain("credentials");
  });

  it.each([
    ["connectionString", "    connectionString: Host=db.internal;Database=app", "dependencies.db.connectionString", "db.internal"],
    ["dsn", "    dsn: app-db-primary", "dependencies.db.dsn", "app-db-primary"],
    ["url inside a dependency", "    url: https://db.internal/app", "dependencies.db.url", "db.internal"],
  ])("rejects a connection string key: %s", (_name, line, path, secret) => {
    expectForbidden([...DB, line], { path, needle: line.trim().split(":")[0] + ":", secret });
  });

  it("rejects a DATABASE_URL key wherever it appears", () => {
    const lines = ["resource: web", "environment:", "  DATABASE_URL: https://db.internal/app"];
    const { error } = expectForbidden(lines, { path: "environment.DATABASE_URL", needle: "DATABASE_URL:", secret: "db.internal" });
    // `environment` itself is still an unknown key.
    expect(error.problems).toContainEqual(expect.objectContaining({ reason: "config_invalid", path: "environment", line: 2, column: 1 }));
  });

  it.each([
    ["account", "    account: acme-prod-eu"],
    ["tenantId", "    tenantId: acme-tenant-eu"],
    ["organization", "    organization: acme-platform"],
  ])("rejects a provider account or tenant: %s", (key, line) => {
    const value = line.split(": ")[1];
    expectForbidden([...DB, line], { path: `dependencies.db.${key}`, needle: `${key}:`, secret: value });
  });

  it("rejects a backup policy id", () => {
    const lines = [...DB, "    backup:", "      intervalHours: 24", "      policyId: nightly-prod"];
    expectForbidden(lines, { path: "dependencies.db.backup.policyId", needle: "policyId:", secret: "nightly-prod" });
  });

  it("rejects a provider key", () => {
    expectForbidden([...DB, "    providerKey: rds-eu-west-1"], { path: "dependencies.db.providerKey", needle: "providerKey:", secret: "rds-eu-west-1" });
  });

  it("rejects a backup artifact handle", () => {
    const lines = [...DB, "    backup:", "      artifactHandle: nightly-2024-06-01"];
    expectForbidden(lines, { path: "dependencies.db.backup.artifactHandle", needle: "artifactHandle:", secret: "nightly-2024-06-01" });
  });

  it("rejects a backup id", () => {
    expectForbidden([...DB, "    backupId: nightly-0601"], { path: "dependencies.db.backupId", needle: "backupId:", secret: "nightly-0601" });
  });

  it("rejects a restore point id", () => {
    const lines = [...DB, "    restorePointId: before-migration-42"];
    expectForbidden(lines, { path: "dependencies.db.restorePointId", needle: "restorePointId:", secret: "before-migration-42" });
  });

  it("rejects a raw dump path", () => {
    expectForbidden([...DB, "    dumpPath: ./seed/prod-2024.dump"], { path: "dependencies.db.dumpPath", needle: "dumpPath:", secret: "prod-2024.dump" });
  });

  it("reports a forbidden key as forbidden, not as an unknown key", () => {
    const error = rejected([...DB, "    password: Tr0ub4dor-and-3"]);
    expect(error.problems.map((p) => p.reason)).toEqual([FORBIDDEN]);
    expect(error.message).not.toContain("unknown key");
  });

  it("lets a dependency be named like a forbidden word, but not hold a scalar there", () => {
    const named = ["resource: web", "dependencies:", "  tokens:", "    kind: redis", "    bind:", "      env: TOKEN_CACHE_URL"];
    expect(parseBerthConfig(yamlOf(named)).dependencies.tokens.kind).toBe("redis");
    expectForbidden(["resource: web", "dependencies:", "  password: hunter2-prod"], { path: "dependencies.password", needle: "password:", secret: "hunter2-prod" });
  });
});

describe("berth.yaml forbidden values (by shape, in any string)", () => {
  it("rejects a URL with a password in run.command", () => {
    const secret = "S3cr3t-Pass";
    const lines = ["resource: web", "run:", `  command: node server.js --database postgres://app:${secret}@db.internal:5432/app`];
    const { problem } = expectForbidden(lines, { path: "run.command", needle: "node server.js", secret });
    expect(problem.message).toContain("URL with a password");
  });

  it("rejects a health URL with userinfo as forbidden (not merely invalid)", () => {
    const lines = ["resource: web", "run:", "  command: node server.js", "  healthUrl: https://monitor:pa55word@web.internal/health"];
    expectForbidden(lines, { path: "run.healthUrl", needle: "https://monitor", secret: "pa55word" });
  });

  it("rejects a PEM block", () => {
    const body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";
    const lines = ["resource: web", "run:", "  command: node server.js", "tls:", "  certificate: |", "    -----BEGIN PRIVATE KEY-----", `    ${body}`, "    -----END PRIVATE KEY-----"];
    const { problem, error } = expectForbidden(lines, { path: "tls.certificate", needle: "|", secret: body });
    expect(problem.message).toContain("PEM");
    expect(error.problems).toContainEqual(expect.objectContaining({ reason: "config_invalid", path: "tls", line: 4, column: 1 }));
  });

  it("rejects a high-entropy token in run.command", () => {
    const secret = token("7d9f2b8e1c4a", "6f3e0b5d8c2a", "9e7f1b4d");
    const lines = ["resource: web", "run:", `  command: node server.js --signing-key ${secret}`];
    const { problem } = expectForbidden(lines, { path: "run.command", needle: "node server.js", secret });
    expect(problem.message).toContain("high-entropy");
  });

  it("rejects a high-entropy token in bind.env, even though it is a valid variable name", () => {
    const secret = token("GHX_8FJ3K2L9", "Q0W7E6R5T4Y3U2");
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind:", `      env: ${secret}`];
    expectForbidden(lines, { path: "dependencies.db.bind.env", needle: secret, secret });
  });

  it("never echoes a secret-looking env var, even when two dependencies bind it", () => {
    const secret = token("GHX_8FJ3K2L9", "Q0W7E6R5T4Y3U2");
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", `    bind: { env: ${secret} }`, "  cache:", "    kind: redis", `    bind: { env: ${secret} }`];
    const error = rejected(lines);
    expect(error.problems.map((p) => [p.reason, p.path, p.line, p.column])).toEqual([
      [FORBIDDEN, "dependencies.db.bind.env", 5, 18],
      [FORBIDDEN, "dependencies.cache.bind.env", 8, 18],
    ]);
    expect(error.message).not.toContain(secret);
  });

  it.each([
    ["AWS access key id", token("AKIA", "IOSFODNN7", "EXAMPLE")],
    ["GitHub token", token("gh", "p_", "x7Kq2mNpR4sTvW8yZ1aB3cD5eF6gH9jL0mN2")],
    ["Slack token", token("xo", "xb-", "2401234567-2412345678-AbCdEfGh")],
    ["Stripe key", token("sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc")],
    ["JWT", token("eyJ", "hbGciOiJIUzI1NiJ9", ".", "eyJzdWIiOiJ3ZWIifQ", ".", "dBjftJeZ4CVPmB92K27uhbUJU1p1r")],
    ["OpenAI key", token("sk", "-proj-", "Q2xhdWRlSXNOb3RBU2VjcmV0S2V5")],
    ["Google API key", token("AI", "za", "SyD4kX9vQ2mN7pR1sT5uW8yZ0aB3cD6eF9g")],
    ["GitLab token", token("gl", "pat-", "xK2mN4pQ6rS8tV0wY2zA")],
    ["npm token", token("np", "m_", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5")],
  ])("rejects a known token format: %s", (name, secret) => {
    const lines = ["resource: web", "run:", `  command: node scripts/notify.js --auth ${secret}`];
    const { problem } = expectForbidden(lines, { path: "run.command", needle: "node scripts", secret });
    expect(problem.message, name).toMatch(/token|key/);
  });

  it.each([
    ["backup id as a dependency source", ["    source: bkp_7HqK2mNpQrStVwXy"], "dependencies.db.source", "bkp_7HqK2mNpQrStVwXy"],
    ["restore id in a command", ["  command: berth restore get rst_9KmP3qRsTvWx2YzA"], "run.command", "rst_9KmP3qRsTvWx2YzA"],
    ["policy id as a preview lifecycle", ["  lifecycle: dbp_4NpQ7rStVwXyZ2aB"], "preview.lifecycle", "dbp_4NpQ7rStVwXyZ2aB"],
    ["secret reference as an env var", ["      env: secret://dep_7HqK2mNpQrStVwXy/connection@3"], "dependencies.db.bind.env", "dep_7HqK2mNpQrStVwXy"],
  ])("rejects a Berth handle: %s", (_name, [line], path, secret) => {
    const lines =
      path === "run.command"
        ? ["resource: web", "run:", line]
        : path === "preview.lifecycle"
          ? ["resource: web", "preview:", line]
          : path === "dependencies.db.source"
            ? ["resource: web", "dependencies:", "  db:", "    kind: postgres", line, "    bind:", "      env: DATABASE_URL"]
            : ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind:", line];
    const value = line.split(": ")[1];
    const { problem } = expectForbidden(lines, { path, needle: value, secret });
    expect(problem.message).toContain("Berth");
  });

  it.each([
    ["postgres", "psql postgres://db.internal:5432/app -f migrate.sql", "db.internal"],
    ["redis", "node worker.js --redis redis://cache.internal:6379/0", "cache.internal"],
    ["mysql", "node server.js --db=mysql://orders.internal/orders", "orders.internal"],
    ["mongodb", "node server.js mongodb+srv://cluster0.example.net/app", "cluster0.example.net"],
    ["s3", "aws s3 sync s3://acme-prod-backups/db ./seed", "acme-prod-backups"],
  ])("rejects a raw connection string without a password: %s", (_scheme, command, secret) => {
    const lines = ["resource: web", "run:", `  command: ${command}`];
    const { problem } = expectForbidden(lines, { path: "run.command", needle: command, secret });
    expect(problem.message).toContain("connection string");
  });

  it.each([
    ["ADO.NET", "Server=sql.internal;Database=app;User Id=app;Password=Winter2024"],
    ["libpq", "host=db.internal dbname=app user=app password=Winter2024"],
  ])("rejects a key=value connection string in bind.env: %s", (_style, value) => {
    const lines = ["resource: web", "dependencies:", "  db:", "    kind: postgres", "    bind:", `      env: "${value}"`];
    expectForbidden(lines, { path: "dependencies.db.bind.env", needle: `"${value}"`, secret: "Winter2024" });
  });

  it("rejects an inline credential in run.command", () => {
    const lines = ["resource: web", "run:", "  command: DB_PASSWORD=Winter2024 node server.js"];
    const { problem } = expectForbidden(lines, { path: "run.command", needle: "DB_PASSWORD", secret: "Winter2024" });
    expect(problem.message).toContain("inline credential");
  });

  it("rejects a token pasted into a comment", () => {
    const secret = token("sk", "_live_", "4eC39HqLyjWDarjtT1zdp7dc");
    const lines = ["resource: web", `# old config: STRIPE_KEY ${secret}`, "run:", "  command: node server.js"];
    const { problem } = expectForbidden(lines, { path: "", needle: "# old config", secret });
    expect(problem.message).toContain("comment");
  });

  it("rejects a key that itself looks like a secret, without echoing it in the path", () => {
    const secret = token("gh", "p_", "x7Kq2mNpR4sTvW8yZ1aB3cD5eF6gH9jL0mN2");
    const lines = [...DB, `    ${secret}: true`];
    expectForbidden(lines, { path: "dependencies.db.<redacted key>", needle: secret, secret });
  });

  it("reports every forbidden value and key in one error", () => {
    const lines = [...DB, "    password: Tr0ub4dor-and-3", "run:", "  command: psql postgres://db.internal/app"];
    const error = rejected(lines);
    expect(error.problems.map((p) => [p.reason, p.path, p.line, p.column])).toEqual([
      [FORBIDDEN, "dependencies.db.password", 7, 5],
      [FORBIDDEN, "run.command", 9, 12],
    ]);
  });
});

describe("berth.yaml benign values are not mistaken for secrets", () => {
  it.each([
    "node server.js --port 8080",
    "node --max-old-space-size=4096 dist/server.js",
    "node --enable-source-maps dist/apps/api-gateway/main.js",
    "pnpm --filter @acme/web-frontend-v2 start",
    "java -Xmx512m -jar build/libs/checkout-service-0.0.1-SNAPSHOT.jar",
    "java -cp app.jar com.example.orders.OrderService2Application",
    "gunicorn app.wsgi:application --workers 4 --bind 0.0.0.0:8000",
    "python -m uvicorn app.main:app --host 0.0.0.0 --port 8000",
    "bin/rails server -b 0.0.0.0 -p 3000 -e production",
    "bundle exec puma -C config/puma.rb",
    "ruby bin/sidekiq -C config/sidekiq_production_v2.yml",
    "./node_modules/.bin/next start -p 3000",
    "./gradlew bootRun --args=--spring.profiles.active=preview",
    "deno run --allow-net=0.0.0.0:8080 --allow-env=DATABASE_URL,REDIS_URL main.ts",
    "cargo run --release --bin checkout_worker_v3",
    "dotnet Acme.Checkout.Api.dll --urls http://0.0.0.0:5000",
    "go run ./cmd/checkout-worker --concurrency=16",
    "HOST=0.0.0.0 PORT=8080 node server.js",
    "node server.js --password=$DB_PASSWORD",
    "node server.js --token-file=/run/secrets/api-token",
    "node server.js --password-file=./secrets/db-password",
    "sh -c 'npx prisma migrate deploy && node dist/main.js'",
    "php artisan serve --host=0.0.0.0 --port=8000",
    // Absolute paths with a temp directory's random suffix (a CI checkout, mkdtemp):
    "/usr/local/bin/node /tmp/fresh-clone-CNZA1o/main/test/fixtures/app-two-deps.mjs 4545",
    "/home/runner/work/shop/shop/node_modules/.bin/tsx /tmp/tmp.Xk29vQ7pLm/server.ts",
  ])("accepts run.command: %s", (command) => {
    const config = parseBerthConfig(yamlOf(["resource: web", "run:", `  command: "${command}"`, "  cwd: services/checkout-api-v2", "  healthUrl: https://web-pr-42.preview.example.com/healthz"]));
    expect(config.run?.command).toBe(command);
  });

  it.each(["DATABASE_URL", "REDIS_CACHE_URL_V2", "ANALYTICS_CLICKHOUSE_HTTP_URL", "S3_ASSETS_BUCKET_URL_2024", "DB_PASSWORD", "OPENSEARCH_NODE"])(
    "accepts bind.env: %s",
    (env) => {
      const config = parseBerthConfig(yamlOf(["resource: web", "dependencies:", "  analytics-events-2024:", "    kind: clickhouse", "    bind:", `      env: ${env}`]));
      expect(config.dependencies["analytics-events-2024"].bind.env).toBe(env);
    },
  );

  it("accepts comments that explain the file", () => {
    const lines = ["# yaml-language-server: $schema=./node_modules/@berth/deploy/schema/berth.schema.json", "# Credentials are generated by Berth and delivered in DATABASE_URL.", "resource: web # the storefront"];
    expect(parseBerthConfig(yamlOf(lines)).resource).toBe("web");
  });
});
