import { invalidConnectionUrl, type ConnectionUrlRule } from "../parse.js";

const EXAMPLE = "https://user:password@host:9200/index-prefix";

/** OpenSearch index naming rules; an index prefix must obey them as well. */
function indexProblem(index: string): string | undefined {
  if (index !== index.toLowerCase()) return "must be lowercase";
  if (/^[_\-+]/.test(index)) return "must not start with _, - or +";
  if (/[\s\\/*?"<>|,#:]/.test(index)) return 'must not contain spaces or any of \\ / * ? " < > | , # :';
  if (index === "." || index === "..") return 'must not be "." or ".."';
  if (Buffer.byteLength(index) > 255) return "must be at most 255 bytes long";
  return undefined;
}

export const opensearchUrlRule: ConnectionUrlRule = {
  kind: "opensearch",
  schemes: ["opensearch", "http", "https"],
  example: EXAMPLE,
  defaultPort: () => 9200,
  metadata(url) {
    const [index, ...extra] = url.segments;
    if (!index) throw invalidConnectionUrl(`opensearch connection URL needs an index (or index prefix) as its path, e.g. ${EXAMPLE}`);
    if (extra.length > 0) throw invalidConnectionUrl("opensearch connection URL path must be only /<index>");
    const problem = indexProblem(index);
    if (problem) throw invalidConnectionUrl(`opensearch index name ${problem}`);
    const metadata: Record<string, string> = {
      host: url.host,
      port: String(url.port),
      index,
      tls: String(url.scheme !== "http"),
    };
    if (url.user) metadata.user = url.user;
    return metadata;
  },
};
