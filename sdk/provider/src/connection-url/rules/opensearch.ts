import { invalidConnectionUrl, serverMetadata, singlePathSegment, type ConnectionUrlRule } from "../parse.js";

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
  example: "https://user:password@host:9200/index-prefix",
  defaultPort: () => 9200,
  metadata(url) {
    const index = singlePathSegment(url, opensearchUrlRule, "index", "an index (or index prefix)");
    const problem = indexProblem(index);
    if (problem) throw invalidConnectionUrl(`opensearch index name ${problem}`);
    return serverMetadata(url, { index, tls: String(url.scheme !== "http") });
  },
};
