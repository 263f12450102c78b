import { Command } from "commander";
import { plainJson } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printJson, printTable } from "../output.js";
import { withClient } from "./common.js";

export function providerCommand(): Command {
  const provider = new Command("provider").alias("providers").description("inspect the providers the server has loaded");
  provider
    .command("list")
    .description("list loaded providers, their kinds and capabilities")
    .action(
      withClient(async (client, flags) => {
        const { providers } = await client.providers.listProviders({ kind: "", pageSize: 0, pageToken: "" });
        if (flags.output === "json") printJson({ items: providers.map((p) => plainJson("berth.provider.v1.ProviderManifest", p)) });
        else
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
        return EXIT.ok;
      }),
    );
  return provider;
}
