import { ErrorReason, errorReasonToJSON } from "./gen/berth/common/v1/errors.js";

/** Domain of every Berth ErrorInfo. */
export const ERROR_DOMAIN = "berth.dev";

/**
 * The wire form of a reason: ERROR_REASON_DEPENDENCY_NOT_FOUND → "dependency_not_found".
 * The proto enum is the single list of reasons; this is the only conversion.
 */
export function reasonCode(reason: ErrorReason): string {
  return errorReasonToJSON(reason).replace(/^ERROR_REASON_/, "").toLowerCase();
}

export { ErrorReason };
