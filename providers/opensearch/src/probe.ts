import { isProviderError, ProviderError, type ProbeRequest } from "@berth/provider-sdk";
import { openConnection } from "./connection.js";
import { indicesUnder } from "./indices.js";

/**
 * Lists the indices under the URL's index prefix with the URL's user: the
 * cluster must authenticate the request and allow reading that prefix. For an
 * imported connection, at least one index must also match the prefix (a typo
 * in the index name fails here); a managed dependency's prefix may still be empty.
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const { http, prefix } = openConnection(request.connectionUrl, request.metadata, request.signal);
  const reply = await http.call("HEAD", "/");
  if (reply.status === 401) throw new ProviderError("authentication_failed", "OpenSearch rejected the user or password");
  let indices: Map<string, unknown>;
  try {
    indices = await indicesUnder(http, prefix);
  } catch (error) {
    if (isProviderError(error) && / 403 /.test(error.message)) throw new ProviderError("permission_denied", `the user may not read indices under ${prefix}`, { cause: error });
    throw error;
  }
  const isManaged = request.metadata?.isolation !== undefined;
  if (!isManaged && indices.size === 0) throw new ProviderError("database_missing", `no index named ${prefix} or starting with it exists`);
}
