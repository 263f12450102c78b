import { isProviderError, ProviderError, secretPartsOfUrl, type ProbeRequest } from "@berth/provider-sdk";
import { MysqlSession } from "./admin.js";
import { parseEndpoint } from "./connection.js";

/** Server error codes a login can end with, and what each says about the URL. */
const LOGIN_FAILURES: Record<string, { code: "authentication_failed" | "database_missing" | "permission_denied"; says: string }> = {
  ER_ACCESS_DENIED_ERROR: { code: "authentication_failed", says: "mysql rejected the user or password" },
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: { code: "authentication_failed", says: "mysql rejected the user (a password is required)" },
  ER_NOT_SUPPORTED_AUTH_MODE: { code: "authentication_failed", says: "mysql asked for an authentication method the client does not support" },
  ER_BAD_DB_ERROR: { code: "database_missing", says: "the database named in the URL does not exist" },
  // The server answers this (not ER_BAD_DB_ERROR) to a user without rights on the name and will not say
  // whether it exists: to that user it does not. A grant would make it appear.
  ER_DBACCESS_DENIED_ERROR: { code: "database_missing", says: "the database named in the URL does not exist, or the user has no privilege on it" },
  ER_HOST_NOT_PRIVILEGED: { code: "permission_denied", says: "mysql does not let this user connect from Berth's host" },
};

/**
 * Logs in as the URL's user to the URL's database and runs one query. A login
 * failure keeps the driver error as `cause`; its code says which part is wrong.
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const endpoint = parseEndpoint(request.connectionUrl, "connection_url");
  let session: MysqlSession;
  try {
    session = await MysqlSession.open(endpoint, { what: "the mysql server", secrets: secretPartsOfUrl(request.connectionUrl), signal: request.signal });
  } catch (error) {
    const code = isProviderError(error) ? ((error.cause as { code?: unknown } | undefined)?.code ?? "") : "";
    const known = typeof code === "string" ? LOGIN_FAILURES[code] : undefined;
    if (known) throw new ProviderError(known.code, known.says, { cause: error });
    throw error;
  }
  try {
    await session.rows("SELECT 1");
  } finally {
    await session.close();
  }
}
