import pg from "pg";
import { ProviderError, redactSecrets, secretPartsOfUrl, type ProbeRequest } from "@berth/provider-sdk";

/** SQLSTATEs a login can end with, and what each says about the URL. */
const LOGIN_FAILURES: Record<string, { code: "authentication_failed" | "database_missing" | "permission_denied"; says: string }> = {
  "28P01": { code: "authentication_failed", says: "postgres rejected the user or password" },
  "28000": { code: "authentication_failed", says: "postgres refused the login for this user (no pg_hba.conf entry or no such role)" },
  "3D000": { code: "database_missing", says: "the database named in the URL does not exist" },
  "42501": { code: "permission_denied", says: "the user may not connect to the database named in the URL" },
};

/** Node socket errors that mean nothing usable answered at host:port. */
const UNREACHABLE = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);

/**
 * Logs in with the URL's own user, password and database, then runs one query,
 * so a wrong password, a missing database or a revoked CONNECT each fail with
 * their own code. Driver messages are redacted; the URL is never quoted.
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const secrets = secretPartsOfUrl(request.connectionUrl);
  const client = new pg.Client({ connectionString: request.connectionUrl, connectionTimeoutMillis: 5000 });
  const onAbort = () => void client.end().catch(() => undefined);
  request.signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw classify(error, secrets, request.signal);
  } finally {
    request.signal.removeEventListener("abort", onAbort);
    await client.end().catch(() => undefined);
  }
}

function classify(error: unknown, secrets: string[], signal: AbortSignal): ProviderError {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === "string" ? LOGIN_FAILURES[code] : undefined;
  if (known) return new ProviderError(known.code, known.says, { cause: error });
  const message = redactSecrets(error instanceof Error ? error.message : String(error), secrets);
  if (signal.aborted) return new ProviderError("target_unavailable", "postgres did not answer before the probe was stopped", { cause: error });
  // A system code is enough to say why; anything else (TLS, protocol) keeps its redacted message.
  const why = typeof code === "string" && UNREACHABLE.has(code) ? code : message;
  return new ProviderError("target_unavailable", `postgres did not answer: ${why}`, { cause: error });
}

/** The database and role a managed dependency's release would drop. */
export function leftovers(name: string): string[] {
  return [`database ${name}`, `role ${name}`];
}
