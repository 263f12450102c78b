/**
 * The kinds every Berth ships a provider for: examples in the JSON Schema and
 * hints offline. What a berth.yaml may declare is what the server's loaded
 * providers declare (a plugin's kind too), checked at deploy time.
 */
export const BUILT_IN_DEPENDENCY_KINDS = ["postgres", "redis", "mysql", "clickhouse", "object-storage", "opensearch"] as const;
/** A kind a loaded provider declares: a built-in one or a plugin's ("postgres-schema"). */
export type DependencyKind = string;

/** `managed`: Berth provisions it. `existing`: bind a dependency that already exists in the environment. */
export const DEPENDENCY_SOURCES = ["managed", "existing"] as const;
export type DependencySourceDeclaration = (typeof DEPENDENCY_SOURCES)[number];

/** How much a dependency's data matters; decides what `berth dependency readiness` demands. */
export const DATA_CLASSES = ["disposable", "reproducible", "production-critical"] as const;
export type DataClassDeclaration = (typeof DATA_CLASSES)[number];

/** `ephemeral` previews are cleaned up when the preview ends; `persistent` ones are kept. */
export const PREVIEW_LIFECYCLES = ["ephemeral", "persistent"] as const;
export type PreviewLifecycle = (typeof PREVIEW_LIFECYCLES)[number];

/** How the resource starts. Paths are raw from `parseBerthConfig`, absolute from `loadBerthConfig`. */
export interface RunDeclaration {
  command: string;
  cwd?: string;
  /** http(s) URL without userinfo. */
  healthUrl?: string;
}

/** The environment variable a dependency's connection secret is delivered in. */
export interface BindDeclaration {
  env: string;
}

/** A scheduled backup policy, with defaults applied. */
export interface BackupDeclaration {
  enabled: boolean;
  intervalHours: number;
  retentionDays: number;
  retryOnFailure: boolean;
}

/** A dependency Berth provisions (and may back up) for this resource. */
export interface ManagedDependencyDeclaration {
  kind: DependencyKind;
  source: "managed";
  bind: BindDeclaration;
  /** Absent when the file does not say: deploy then leaves the dependency's class as it is. */
  dataClass?: DataClassDeclaration;
  /** Absent when the file has no `backup` block. */
  backup?: BackupDeclaration;
  /**
   * Name of a dependency in the same environment whose newest verified backup (a passed restore
   * drill) fills this one when deploy creates it (a restore into a new dependency).
   */
  seedFrom?: string;
}

/** A dependency that already exists in the environment, bound by its name. */
export interface ExistingDependencyDeclaration {
  kind: DependencyKind;
  source: "existing";
  /** Name of the existing dependency in the environment. */
  name: string;
  bind: BindDeclaration;
  /** Absent when the file does not say: deploy then leaves the dependency's class as it is. */
  dataClass?: DataClassDeclaration;
}

export type DependencyDeclaration = ManagedDependencyDeclaration | ExistingDependencyDeclaration;

/** A parsed, validated berth.yaml (format v1) with every default applied. */
export interface BerthConfig {
  resource: string;
  run?: RunDeclaration;
  /** Keyed by dependency name, in file order. Empty when the file declares none. */
  dependencies: Record<string, DependencyDeclaration>;
  preview: { lifecycle: PreviewLifecycle };
}
