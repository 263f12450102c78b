import { Command } from "commander";
import { type AuditRecord, plainJson } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printJson, printList, printTable, type OutputFormat } from "../output.js";
import { examples, listCommand, withClient } from "./common.js";

/** `berth audit …`: who did what, where, with which outcome. */
export function auditCommand(): Command {
  const audit = new Command("audit").description("read and verify the audit log of mutations and refused calls");

  audit.addCommand(
    listCommand({
      name: "list",
      alias: "ls",
      description: "audit records, newest first (admin; operators see their projects)",
      options: (command) =>
        command
          .option("--project <id>", "only records of this project")
          .option("--since <time>", "only records at or after this RFC 3339 time, or a duration ago (30m, 12h, 7d)")
          .option("--actor <token>", "only records of this token (id or name)")
          .option("--target <id>", "only records that name this id (dep_…, bnd_…)"),
      examples: ["berth audit list --project prj_shop --since 24h", "berth audit list --actor ci-shop --target dep_7HqK2mN4pQ8rS1tV -o json"],
      filter: (_client, flags: { project?: string; since?: string; actor?: string; target?: string }) => ({
        projectId: flags.project ?? "",
        since: sinceTime(flags.since),
        actor: flags.actor ?? "",
        target: flags.target ?? "",
      }),
      list: (client, request) => client.access.listAuditRecords(request),
      items: "records",
      print: printAuditList,
    }),
  );

  audit
    .command("verify")
    .description("recompute the audit chain; exits 1 when a record was changed, removed or reordered (admin)")
    .addHelpText("after", examples("berth audit verify", "berth audit verify -o json"))
    .action(
      withClient(async (client, flags) => {
        const result = await client.access.verifyAuditLog({});
        if (flags.output === "json") printJson(plainJson("berth.access.v1.VerifyAuditLogResponse", result));
        else if (result.isIntact) process.stdout.write(`audit chain intact: ${result.recordsChecked} records checked\n`);
        else {
          process.stdout.write(`audit chain BROKEN: ${result.problems.length} problem(s) in ${result.recordsChecked} records\n`);
          printTable(["SEQ", "PROBLEM"], result.problems.map((p) => [p.seq, p.problem]));
        }
        return result.isIntact ? EXIT.ok : EXIT.failed;
      }),
    );
  return audit;
}

function printAuditList(records: AuditRecord[], format: OutputFormat, nextPageToken: string): void {
  printList(records, format, nextPageToken, {
    typeName: "berth.access.v1.AuditRecord",
    headers: ["SEQ", "TIME", "ACTOR", "METHOD", "PROJECT", "TARGETS", "PHASE", "OUTCOME"],
    row: (r) => [r.seq, r.time, r.tokenName || r.tokenId || "(unauthenticated)", r.method.slice(r.method.lastIndexOf("/") + 1), r.projectId || "-", r.targetIds.join(",") || "-", r.phase, r.reason ? `${r.code} ${r.reason}` : r.code],
  });
}

function sinceTime(value: string | undefined): string {
  if (!value) return "";
  const match = /^([0-9]+)([mhd])$/.exec(value);
  if (!match) return value;
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "m" | "h" | "d"];
  return new Date(Date.now() - ms).toISOString();
}
