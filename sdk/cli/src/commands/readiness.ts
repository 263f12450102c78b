import { Command } from "commander";
import { DataReadinessVerdict } from "@berth/client";
import { EXIT } from "../exit-codes.js";
import { printReadiness } from "../present-readiness.js";
import { examples, withClient } from "./common.js";
import { addScopeOptions, DEPENDENCY_ARGUMENT, resolveDependency, type Scope } from "./resolve.js";

const RULES =
  "\n\nRules by data class (the dependency's --data-class):\n" +
  "  disposable           always ready\n" +
  "  unclassified         at-risk (data_class_unset) until a class is set\n" +
  "  reproducible         at-risk without a succeeded native backup within the policy interval\n" +
  "                       (+25%, at least 1h; 24h without a policy)\n" +
  "  production-critical  not-ready without all of: an enabled backup policy, a succeeded native backup\n" +
  "                       within its interval, a restore drill passed within 30 days that ran a\n" +
  "                       post-restore check command which passed, and no failed drill since\n" +
  "Reasons: data_class_unset, no_backup_policy, backup_policy_disabled, no_backup, backup_metadata_only,\n" +
  "backup_stale, no_verified_backup, drill_stale, no_post_restore_check, post_restore_check_failed,\n" +
  "latest_drill_failed.\n" +
  "Exit code: 0 when ready, 5 when at-risk or not-ready (gate a release on it), 3 for an unknown dependency.";

/** `berth dependency readiness dep_…`: the data-readiness gate, for people and CI. */
export function dependencyReadinessCommand(): Command {
  return addScopeOptions(
    new Command("readiness")
      .description("is this dependency's data safe to depend on? data class, backup policy, latest backup, latest passed restore drill and post-restore check, with a verdict")
      .argument("<dependency>", DEPENDENCY_ARGUMENT),
    "dependency",
  )
    .addHelpText("after", examples("berth dependency readiness dep_3Kx…", "berth dependency readiness dep_3Kx… -o json", "berth dependency readiness dep_3Kx… -o json > /dev/null || echo 'data not ready: hold the release'") + RULES)
    .action(
      withClient<Scope>(async (client, flags, ref) => {
        const { readiness } = await client.backup.getDataReadiness({ dependencyId: await resolveDependency(client, ref, flags) });
        printReadiness(readiness!, flags.output);
        return readiness!.verdict === DataReadinessVerdict.DATA_READINESS_VERDICT_READY ? EXIT.ok : EXIT.precondition;
      }),
    );
}
