import { DependencyStatus, type Dependency } from "@berth/client";
import { compareContent, secretPartsOfUrl, type ContentCheck } from "@berth/provider-sdk";
import { holdLease, type JobDelivery, type Logger } from "@berth/runtime";
import { jobStore } from "../store/job-store.js";
import type { DrillCheck, DrillChanges, DrillRecord } from "../store/drill-store.js";
import { getBackup } from "./backups.js";
import { safeJobReason, type BackupContext } from "./context.js";
import { endOwnedJob } from "./job-end.js";
import { runCheckCommand } from "./drill-check.js";
import { drillEventData } from "./drills.js";
import { artifactProblem, streamBackupInto } from "./restore-stream.js";
import { awaitProvisioned } from "./safety-backup.js";
import { provisionScratch, releaseScratch } from "./scratch.js";

/**
 * The drill job: restore a backup into a scratch dependency of the same kind (its own
 * database, role and credentials on a realization target — the source's credentials
 * cannot reach it), compare the restored content with the backup's manifest, run the
 * app's check command against it, and release the scratch dependency whatever happens.
 * The drill records each check (expected, actual) and one safe reason on failure.
 */
export async function runDrill(ctx: BackupContext, job: JobDelivery): Promise<void> {
  const { drillId } = JSON.parse(Buffer.from(job.payload).toString("utf8")) as { drillId: string };
  const owner = ctx.jobs.instanceId;
  const drill = await jobStore.drills.claim(ctx.db, drillId, owner, { startedAt: new Date() });
  if (!drill) return;
  const log = ctx.log.child({ drillId, backupId: drill.backupId });
  const lease = holdLease({ heartbeat: () => jobStore.drills.heartbeat(ctx.db, drillId, owner), intervalMs: ctx.jobs.heartbeatMs, parent: job.signal, log });
  const update = (changes: DrillChanges) => jobStore.drills.updateOwned(ctx.db, drillId, owner, changes);
  const started = Date.now();
  const checks: DrillCheck[] = [];
  let scratch: Dependency | undefined;
  let secrets: string[] = [];
  let outcome: { status: "passed" | "failed"; reason: string; changes?: DrillChanges };
  try {
    outcome = await drillSteps();
  } catch (error) {
    const ended = lease.ended();
    if (ended === "lost") return (lease.release(), log.warn("drill stopped: its lease was lost"));
    outcome = { status: "failed", reason: ended === "shutdown" ? "the server shut down during the drill" : safeJobReason(error, secrets, log, "the drill") };
  }
  // Released whatever happened; a release that fails is said in the reason. The lease keeps
  // heart-beating until the drill is settled, so a slow release is not taken for a dead worker.
  const released = scratch ? await releaseScratch(ctx, drillId, scratch.id, log) : { ok: true, reason: "" };
  const reason = released.ok ? outcome.reason : [outcome.reason, released.reason].filter(Boolean).join("; ");
  await settle(ctx, drill, owner, log, outcome.status === "passed" && released.ok ? "passed" : "failed", reason, {
    ...outcome.changes,
    checks,
    durationMs: Date.now() - started,
    scratchReleasedAt: scratch && released.ok ? new Date() : undefined,
  }).finally(() => lease.release());

  async function drillSteps(): Promise<typeof outcome> {
    const backup = await getBackup(ctx, drill!.backupId);
    const problem = await artifactProblem(ctx, backup);
    if (problem) return { status: "failed", reason: `${problem}; no scratch dependency was made` };
    const source = await ctx.dependencies.get(backup.dependencyId);
    const provider = source ? ctx.providers.get(source.kind) : undefined;
    if (!source || !provider?.restore) return { status: "failed", reason: "the dependency or its provider's restore is gone" };

    scratch = await provisionScratch(ctx, drill!, source);
    await update({ scratchDependencyId: scratch.id });
    const ready = await awaitProvisioned(ctx, scratch.id, lease.signal);
    if (ready?.status !== DependencyStatus.DEPENDENCY_STATUS_READY) {
      return { status: "failed", reason: `the scratch dependency ${scratch.id} could not be provisioned${ready?.statusReason ? ` (${ready.statusReason})` : ""}` };
    }
    scratch = ready;
    const connectionUrl = await ctx.dependencies.resolve(ready.connectionSecretRef, `drill ${drillId}`);
    secrets = secretPartsOfUrl(connectionUrl);

    const bytes = await streamBackupInto(ctx, { backup, dependency: ready, provider, connectionUrl, sourceMetadata: source.metadata, signal: lease.signal });
    checks.push({ name: "restore", expected: "the artifact loads", actual: `loaded ${bytes} bytes`, ok: true });

    if (backup.manifest && provider.describeContent) {
      const actual = await provider.describeContent({ kind: ready.kind, connectionUrl, metadata: ready.metadata, signal: lease.signal });
      checks.push(...compareContent(backup.manifest.content, actual).map(asCheck));
    } else {
      checks.push({ name: "content", expected: "counts from the backup's manifest", actual: backup.manifest ? `the ${source.kind} provider cannot describe content` : "the backup has no manifest", ok: true });
    }
    const differs = checks.filter((c) => !c.ok);
    if (differs.length > 0) {
      const first = differs[0]!;
      return { status: "failed", reason: `the restored content differs from the backup's manifest: ${first.name} expected ${first.expected}, found ${first.actual}${differs.length > 1 ? ` (and ${differs.length - 1} more)` : ""}` };
    }

    if (drill!.checkCommand) {
      const run = await runCheckCommand({ command: drill!.checkCommand, env: { [drill!.checkEnv]: connectionUrl }, timeoutMs: drill!.checkTimeoutSeconds * 1000, secrets, signal: lease.signal });
      const passed = run.exitCode === 0;
      const actual = run.timedOut ? `stopped after ${drill!.checkTimeoutSeconds} s` : run.exitCode === null ? "killed" : `exit ${run.exitCode}`;
      checks.push({ name: "check command", expected: "exit 0", actual, ok: passed });
      const changes = { checkPassed: passed, checkOutput: run.output };
      if (!passed) return { status: "failed", reason: `the check command failed (${actual}); its output is in the drill`, changes };
      return { status: "passed", reason: "", changes };
    }
    return { status: "passed", reason: "" };
  }
}

function asCheck(check: ContentCheck): DrillCheck {
  return { name: check.name, expected: check.expected, actual: check.actual, ok: check.ok };
}

async function settle(ctx: BackupContext, drill: DrillRecord, owner: string, log: Logger, status: "passed" | "failed", reason: string, changes: DrillChanges): Promise<void> {
  const record = await endOwnedJob(ctx, { kind: "drill", updateOwned: jobStore.drills.updateOwned, eventData: drillEventData }, drill.id, owner, log, status, reason, changes);
  if (record && status === "passed") log.info({ ms: record.durationMs }, "drill passed");
}
