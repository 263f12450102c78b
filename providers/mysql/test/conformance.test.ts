import { beforeAll } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { mysqlProvider } from "../src/index.js";
import { ADMIN_URL, mysqlSample, requireServer } from "./support.js";

beforeAll(requireServer);

runProviderConformance({
  provider: mysqlProvider,
  kind: "mysql",
  target: { name: "conformance", kind: "mysql", adminUrl: ADMIN_URL },
  sample: mysqlSample,
});
