import { afterAll, describe } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { opensearchProvider } from "../src/index.js";
import { startFakeOpenSearch } from "./fake-opensearch.js";
import { openSearchSample } from "./sample.js";

// With BERTH_TEST_OPENSEARCH_URL (an admin URL, e.g. https://admin:pw@host:9200/) the kit runs
// against that real server. Without it, against the protocol-level fake with the security
// plugin's endpoints on, so isolation is enforced the way OpenSearch enforces it (403).
const REAL_URL = process.env.BERTH_TEST_OPENSEARCH_URL;
const fake = REAL_URL ? undefined : await startFakeOpenSearch({ security: true });
afterAll(() => fake?.close());

const against = REAL_URL
  ? "against the real OpenSearch at BERTH_TEST_OPENSEARCH_URL"
  : "against a protocol-level FAKE of OpenSearch 2.x with the security plugin (test/fake-opensearch.ts; not a real server)";

describe(against, () => {
  runProviderConformance({
    provider: opensearchProvider,
    kind: "opensearch",
    target: { name: "conformance", kind: "opensearch", adminUrl: REAL_URL ?? fake!.adminUrl },
    sample: openSearchSample,
  });
});
