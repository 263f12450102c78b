import { Command } from "commander";
import { printDependency } from "../present.js";
import { recordCommand } from "./common.js";

/** `berth dependency probe dep_…`: logs in with the current connection again and records what that proved. */
export function dependencyProbeCommand(): Command {
  return recordCommand({
    name: "probe",
    description: "log in with a dependency's current connection and check what it names exists; records the outcome (connection check: verified or failed) either way",
    subject: "dependency",
    help: [
      "",
      "A probe logs in with the stored credentials and checks the database, bucket, index or key prefix the",
      "URL names. On failure it exits 5 with one of these reasons (the password is never shown):",
      "  connection_unreachable            nothing answers at the host and port",
      "  connection_authentication_failed  the server rejected the user or password",
      "  connection_database_missing       the database, bucket or index does not exist",
      "  connection_permission_denied      the user may not use it",
      "",
      "Examples:",
      "  $ berth dependency probe dep_7HqK2x",
      "  $ berth dependency probe dep_7HqK2x --output json",
      "  $ berth dependency probe legacy-db --project prj_shop --environment env_prod",
    ].join("\n"),
    run: async (client, _flags, id) => (await client.dependency.probeDependency({ id })).dependency,
    print: printDependency,
  });
}
