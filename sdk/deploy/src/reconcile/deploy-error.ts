import { ErrorReason, reasonCode } from "@berth/client";

/** Thrown when the environment cannot be made to match berth.yaml; `reason` is a stable Berth reason code. */
export class DeployError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "DeployError";
  }
}

/** The reason codes deploy and cleanup refuse with: the API's own, so a plan and the server say the same. */
export const REASON = {
  configInvalid: reasonCode(ErrorReason.ERROR_REASON_CONFIG_INVALID),
  configConflict: reasonCode(ErrorReason.ERROR_REASON_CONFIG_CONFLICT),
  resourceNotFound: reasonCode(ErrorReason.ERROR_REASON_RESOURCE_NOT_FOUND),
  runtimeTargetNotFound: reasonCode(ErrorReason.ERROR_REASON_RUNTIME_TARGET_NOT_FOUND),
  dependencyNotFound: reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_FOUND),
  dependencyNotReady: reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_NOT_READY),
  backupNotFound: reasonCode(ErrorReason.ERROR_REASON_BACKUP_NOT_FOUND),
  kindUnsupported: reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_KIND_UNSUPPORTED),
  realizationTargetUnavailable: reasonCode(ErrorReason.ERROR_REASON_REALIZATION_TARGET_UNAVAILABLE),
  injectionBlocked: reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_RUNTIME_INJECTION_BLOCKED),
  deleteBlocked: reasonCode(ErrorReason.ERROR_REASON_DEPENDENCY_DELETE_BLOCKED),
  internal: reasonCode(ErrorReason.ERROR_REASON_INTERNAL),
} as const;
