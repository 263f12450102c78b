import { afterAll } from "vitest";
import { runProviderConformance } from "@berth/provider-sdk/conformance";
import { PrivatePostgres } from "../../../test/support/private-postgres.js";
import { postgresProvider } from "../src/index.js";
import { postgresSample } from "./sample.js";

// A Postgres of this test's own that checks passwords (the shared development server trusts
// 127.0.0.1, where a probe with a wrong password would log in and prove nothing).
const server = await PrivatePostgres.start();
afterAll(() => server.stop());
const ADMIN_URL = server.url();

runProviderConformance({
  provider: postgresProvider,
  kind: "postgres",
  target: { name: "conformance", kind: "postgres", adminUrl: ADMIN_URL },
  sample: postgresSample,
});
