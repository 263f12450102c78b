import { Command, InvalidArgumentError, Option } from "commander";
import { roleFromJSON } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printJson } from "../output.js";
import { printToken, printTokenList, tokenJson } from "../present-token.js";
import { examples, listCommand, recordCommand, showCommand, withClient } from "./common.js";
import { RECORDS } from "./records.js";
import { ID_ARGUMENTS } from "./resolve.js";

const ROLES = ["viewer", "deployer", "operator", "admin"];

/** "30d", "12h", "90m", "3600s" or a number of seconds → seconds. */
export function parseLifetime(value: string): number {
  const match = /^([0-9]+)([smhd]?)$/.exec(value.trim());
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? ""];
  const seconds = match && unit ? Number(match[1]) * unit : NaN;
  if (!Number.isInteger(seconds) || seconds <= 0) throw new InvalidArgumentError("must be a duration such as 30d, 12h, 90m or 3600s");
  return seconds;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `berth token …`: API tokens with a role and a project scope. */
export function tokenCommand(): Command {
  const token = new Command("token").alias("tokens").description("create, list, show and revoke API tokens (admin)");

  token
    .command("create")
    .description("create a token and print its value once (Berth keeps only a hash)")
    .requiredOption("--name <name>", "what the token is for, e.g. ci-shop")
    .addOption(new Option("--role <role>", "viewer, deployer, operator or admin").choices(ROLES).makeOptionMandatory())
    .option("--project <id>", "a project the token may act in (repeatable; required unless --role admin)", collect, [])
    .option("--environment <id>", "narrow it to this environment of those projects (repeatable)", collect, [])
    .option("--expires-in <duration>", "lifetime, e.g. 30d, 12h, 90m (default: no expiry)", parseLifetime)
    .addHelpText(
      "after",
      examples(
        "berth token create --name ci-shop --project prj_shop --role deployer --expires-in 30d",
        "berth token create --name shop-prod-ops --project prj_shop --environment env_prod --role operator",
        "BERTH_TOKEN=$(berth token create --name ci --project prj_shop --role deployer -o json | jq -r .bearerToken)",
      ),
    )
    .action(
      withClient<{ name: string; role: string; project: string[]; environment: string[]; expiresIn?: number }>(async (client, flags) => {
        const response = await client.access.createToken({
          name: flags.name,
          role: roleFromJSON(`ROLE_${flags.role.toUpperCase()}`),
          projectIds: flags.project,
          environmentIds: flags.environment,
          expiresInSeconds: flags.expiresIn,
        });
        if (flags.output === "json") {
          printJson({ token: tokenJson(response.token!), bearerToken: response.bearerToken });
          return EXIT.ok;
        }
        printToken(response.token!, flags.output);
        process.stdout.write(`\nTOKEN: ${response.bearerToken}\n\nThis is the only time the token is shown. Pass it as --token or BERTH_TOKEN.\n`);
        return EXIT.ok;
      }),
    );

  token.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "list tokens (never their values)",
      options: (command) => command.option("--include-revoked", "also revoked tokens", false),
      examples: ["berth token list", "berth token list --include-revoked -o json"],
      filter: (_client, flags: { includeRevoked: boolean }) => ({ includeRevoked: flags.includeRevoked }),
      list: (client, request) => client.access.listTokens(request),
      items: "tokens",
      print: printTokenList,
    }),
  );

  token.addCommand(
    showCommand(RECORDS.token, {
      description: "show one token (never its value)",
      examples: ["berth token show btk_7HqK2mN4pQ8rS1tV"],
    }),
  );

  token.addCommand(
    recordCommand({
      name: "revoke",
      description: "revoke a token; every server refuses it within a second",
      argument: ID_ARGUMENTS.token,
      examples: ["berth token revoke btk_7HqK2mN4pQ8rS1tV"],
      run: async (client, _flags, id) => (await client.access.revokeToken({ id })).token,
      print: (revoked, format) => {
        if (format === "json") printJson(tokenJson(revoked));
        else process.stdout.write(`revoked ${revoked.id} (${revoked.name}) at ${revoked.revokedAt}\n`);
      },
    }),
  );
  return token;
}
