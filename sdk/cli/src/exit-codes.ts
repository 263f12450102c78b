import { EXIT, exitCodeForStatus, isBerthApiError, reasonMappingByCode } from "@berth/client";

export { EXIT };

/**
 * Reasons only the CLI raises (nothing reached a server), with their exit codes.
 * Every other reason is an ErrorReason and takes its exit code from the reason
 * table in @berth/client, the same table the servers take gRPC status from.
 */
export const CLI_REASONS = {
  confirmation_required: EXIT.usage,
  confirmation_declined: EXIT.usage,
  server_not_configured: EXIT.unavailable,
  token_not_configured: EXIT.auth,
  dev_server_running: EXIT.conflict,
  dev_server_stop_timeout: EXIT.failed,
  host_not_installed: EXIT.failed,
  wait_timeout: EXIT.failed,
} as const;
export type CliReason = keyof typeof CLI_REASONS;

/** The exit code of a reason: the CLI's own, else the reason table's; `fallback` for a reason neither knows. */
export function exitCodeForReason(reason: string, fallback: number = EXIT.failed): number {
  if (Object.hasOwn(CLI_REASONS, reason)) return CLI_REASONS[reason as CliReason];
  return reasonMappingByCode(reason)?.exit ?? fallback;
}

/**
 * The one way the CLI turns a failure into an exit code: by its reason (an API
 * error, a CLI refusal, a berth.yaml deploy refusal); by gRPC status only when
 * the server sent a reason this CLI does not know (an older or newer server, a
 * peer that is down).
 */
export function exitCodeFor(error: unknown): number {
  if (isBerthApiError(error)) return exitCodeForReason(error.reason, exitCodeForStatus(error.code));
  if (error instanceof Error && typeof (error as { reason?: unknown }).reason === "string") {
    // A CliError or DeployError: refused before or without a server status.
    return exitCodeForReason((error as Error & { reason: string }).reason, EXIT.usage);
  }
  return EXIT.failed;
}
