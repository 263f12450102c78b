export { opensearchProvider } from "./provider.js";
export { OPENSEARCH_FORMAT } from "./dump-format.js";
