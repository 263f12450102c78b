import { DataClass } from "./gen/berth/dependency/v1/dependency.js";

/** The data classes by the names users write (CLI flags, berth.yaml), in order of how much the data matters. */
export const DATA_CLASS_NAMES = ["disposable", "reproducible", "production-critical"] as const;
export type DataClassName = (typeof DATA_CLASS_NAMES)[number];

const BY_NAME: Record<DataClassName, DataClass> = {
  disposable: DataClass.DATA_CLASS_DISPOSABLE,
  reproducible: DataClass.DATA_CLASS_REPRODUCIBLE,
  "production-critical": DataClass.DATA_CLASS_PRODUCTION_CRITICAL,
};

/**
 * The user-facing name of a data class; "unclassified" for UNSPECIFIED.
 * @example dataClassName(DataClass.DATA_CLASS_PRODUCTION_CRITICAL) // "production-critical"
 */
export function dataClassName(dataClass: DataClass): DataClassName | "unclassified" {
  return (Object.entries(BY_NAME).find(([, value]) => value === dataClass)?.[0] as DataClassName | undefined) ?? "unclassified";
}

/**
 * The wire enum of a user-facing name; UNSPECIFIED for "unclassified" or anything unknown.
 * @example dataClassFromName("reproducible") // DataClass.DATA_CLASS_REPRODUCIBLE
 */
export function dataClassFromName(name: string): DataClass {
  return BY_NAME[name as DataClassName] ?? DataClass.DATA_CLASS_UNSPECIFIED;
}
