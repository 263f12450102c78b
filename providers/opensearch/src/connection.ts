import { once } from "node:events";
import type { Writable } from "node:stream";
import { connectionDescriber, opensearchUrlRule, ProviderError, type ConnectionDescription, type SafeMetadata } from "@berth/provider-sdk";
import { OpenSearchHttp } from "./http.js";
import { assertIndexPrefix } from "./indices.js";

/** Validates an OpenSearch connection URL with the SDK's opensearch URL rule (path = index prefix). */
export const describeOpenSearch: (kind: string, connectionUrl: string) => ConnectionDescription = connectionDescriber(opensearchUrlRule);

/** A client for a delivered connection and the index prefix it owns (the metadata's, else the URL path's). */
export function openConnection(connectionUrl: string, metadata: SafeMetadata | undefined, signal: AbortSignal): { http: OpenSearchHttp; prefix: string } {
  const described = describeOpenSearch("opensearch", connectionUrl);
  // opensearch:// is accepted by the URL rules and means TLS, like https://.
  const url = new URL(connectionUrl.replace(/^opensearch:/i, "https:"));
  return { http: new OpenSearchHttp(url, signal), prefix: assertIndexPrefix(metadata?.index ?? described.metadata.index) };
}

/** Writes with backpressure; fails instead of hanging when the sink errors or closes. */
export async function writeTo(sink: Writable, text: string | Buffer): Promise<void> {
  if (sink.write(text)) return;
  const closed = new AbortController();
  try {
    await Promise.race([
      once(sink, "drain", { signal: closed.signal }),
      once(sink, "close", { signal: closed.signal }).then(() => {
        throw new ProviderError("internal", "the artifact stream closed before the backup finished");
      }),
    ]);
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError("internal", `the artifact stream failed: ${(error as Error).message}`, { cause: error });
  } finally {
    closed.abort();
  }
}
