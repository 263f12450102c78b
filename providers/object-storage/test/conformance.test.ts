import { afterAll } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { objectStorageProvider } from "../src/index.js";
import { getText, putText } from "./support/s3-client.js";
import { startS3Target } from "./support/s3-target.js";

const SAMPLE_KEY = "conformance/sample.txt";
const target = await startS3Target();
afterAll(() => target.stop());

runProviderConformance({
  provider: objectStorageProvider,
  kind: "object-storage",
  target: { name: "conformance", kind: "object-storage", adminUrl: target.adminUrl },
  // isolation=none hands every dependency the target's keys, so B's keys can read
  // A's bucket: the kit registers its isolation check as skipped, naming why.
  // test/shared-keys.test.ts shows what such a target does instead.
  isolation: target.isIsolating ? "enforced" : "not-enforced-by-target",
  // s3rver checks that the access key id exists but not V4 signatures, so a wrong secret key
  // would be accepted there: an unknown access key id is the wrong credential it can refuse.
  probeCases: target.isIsolating
    ? {}
    : {
        wrongPassword: (url) => {
          const wrong = new URL(url);
          wrong.username = "BERTHUNKNOWNKEY";
          return wrong.toString();
        },
      },
  sample: {
    write: (connectionUrl, owner, value) => putText(connectionUrl, owner.bucket, SAMPLE_KEY, value),
    read: (connectionUrl, owner) => getText(connectionUrl, owner.bucket, SAMPLE_KEY),
    content: {
      // A managed dependency's connection covers its whole bucket: one entry, "/".
      entry: () => ({ scope: "bucket", name: "/" }),
      add: (connectionUrl, owner, key, value) => putText(connectionUrl, owner.bucket, `conformance/${key}`, value),
    },
  },
});
