import { Command } from "commander";
import { EXIT } from "../exit-codes.js";
import { printJson, printTable } from "../output.js";
import { examples, withClient } from "./common.js";

/** `berth target list`: where managed dependencies can be created, as the operator configured it. */
export function realizationTargetCommand(): Command {
  const target = new Command("target")
    .alias("targets")
    .description("inspect the realization targets the server's operator configured: where managed dependencies are created");
  target
    .command("list")
    .alias("ls")
    .description("list realization targets, the kind each serves and which is its kind's default (never their admin URLs or credentials)")
    .option("--kind <kind>", "only targets serving this kind")
    .addHelpText(
      "after",
      examples("berth target list", "berth target list --kind postgres -o json", "berth dependency provision --kind postgres --target main --project prj_shop --environment env_prod --name app-db") +
        "\n\nTargets are operator configuration (`targets:` in the server's config; README \"Realization targets\"),\n" +
        "never repository config. `dependency provision --target NAME` picks one; without it the kind's default\n" +
        "(the first configured for that kind) is used. A kind with no target can still be imported.",
    )
    .action(
      withClient<{ kind?: string }>(async (client, flags) => {
        const { realizationTargets: targets } = await client.providers.listRealizationTargets({ kind: flags.kind ?? "" });
        if (flags.output === "json") printJson({ items: targets });
        else if (targets.length === 0) process.stdout.write(`No realization targets${flags.kind ? ` for kind ${flags.kind}` : ""}: managed dependencies cannot be provisioned here (an operator adds them under \`targets:\`, see README "Realization targets").\n`);
        else printTable(["NAME", "KIND", "PROVIDER", "DEFAULT"], targets.map((t) => [t.name, t.kind, t.provider, t.isDefault ? "yes" : "no"]));
        return EXIT.ok;
      }),
    );
  return target;
}
