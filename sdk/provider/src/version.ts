/** The provider contract version this SDK implements. Plugins declare the range they were built for. */
export const PROVIDER_SDK_VERSION = "1.0.0";
/** Major version of the contract; a breaking change adds a V2 beside V1. */
export const PROVIDER_SDK_MAJOR = 1;

/**
 * True when a plugin's declared `sdkVersion` range ("^1.0.0", "1.x", "1") accepts this SDK.
 * Only caret/major ranges are supported: providers build against one contract major.
 */
export function isSdkVersionCompatible(range: string): boolean {
  const match = /^\s*(?:\^|~)?(\d+)(?:\.(?:\d+|x|\*))?(?:\.(?:\d+|x|\*))?\s*$/.exec(range);
  return match !== null && Number(match[1]) === PROVIDER_SDK_MAJOR;
}
