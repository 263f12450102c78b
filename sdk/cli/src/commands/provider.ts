import { Command } from "commander";
import { plainJson } from "@berth/client";
import { connect } from "../connection.js";
import { printJson, printTable, type OutputFormat } from "../output.js";

export function providerCommand(): Command {
  const provider = new Command("provider").alias("providers").description("inspect the providers the server has loaded");
  provider
    .command("list")
    .description("list loaded providers, their kinds and capabilities")
    .action(async function (this: Command) {
      const flags = this.optsWithGlobals() as { output: OutputFormat; server?: string; token?: string };
      const client = connect(flags);
      try {
        const { providers } = await client.providers.listProviders({ kind: "", pageSize: 0, pageToken: "" });
        if (flags.output === "json") return printJson({ items: providers.map((p) => plainJson("berth.provider.v1.ProviderManifest", p)) });
        printTable(
          ["NAME", "VERSION", "SDK", "KINDS", "CAPABILITIES"],
          providers.map((p) => [
            p.name,
            p.version,
            p.sdkVersion,
            p.kinds.join(","),
            Object.entries(p.capabilities ?? {}).filter(([, on]) => on).map(([name]) => name).join(","),
          ]),
        );
      } finally {
        client.close();
      }
    });
  return provider;
}
