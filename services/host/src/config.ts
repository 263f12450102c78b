import { readFileSync } from "node:fs";
import YAML from "yaml";
import { z } from "zod";
import { IMPLEMENTED_SERVICES, SERVICE_NAMES, type ServiceName } from "@berth/client";

const token = z.string().min(24, "must be at least 24 characters (generate one with `openssl rand -base64 32`)");
const masterKey = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+:[A-Za-z0-9+/]{43}=$/, 'must be "<key-id>:<base64 of 32 bytes>" (generate: echo "k1:$(openssl rand -base64 32)")');

/** The one configuration schema of a Berth process. Parsed once, at start. */
export const hostConfigSchema = z
  .object({
    listen: z.object({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(7070),
    }).default({ host: "127.0.0.1", port: 7070 }),
    services: z.array(z.enum(SERVICE_NAMES)).min(1).default(["dependency"]),
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL of Berth's own database"),
    natsUrl: z.string().regex(/^(nats|tls):\/\//, "must be a nats:// URL").optional(),
    natsPrefix: z.string().regex(/^[a-z][a-z0-9_-]*$/, "lowercase letters, digits, - and _").default("berth"),
    adminToken: token,
    internalToken: token,
    /** More internal tokens accepted during a rotation (services send internalToken). */
    internalTokens: z.array(token).default([]),
    /** The audit log of mutations and refused calls. Switching it off is for benchmarks: nothing is then recorded. */
    audit: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
    masterKeys: z.array(masterKey).min(1, "at least one master key is required"),
    activeMasterKeyId: z.string().optional(),
    targets: z
      .array(z.object({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), kind: z.string().min(1), adminUrl: z.string().min(1), publicHost: z.string().optional() }))
      .default([]),
    providers: z.array(z.string().min(1)).default([]),
    /** Directory for encrypted backup artifacts (the local artifact store). Required with the backup service. */
    artifactDir: z.string().min(1).optional(),
    /** Or S3-compatible object storage for artifacts (production). */
    artifactS3: z
      .object({
        endpoint: z.string().url().optional(),
        region: z.string().min(1).default("us-east-1"),
        bucket: z.string().min(3),
        prefix: z.string().default("berth/artifacts/"),
        accessKeyId: z.string().optional(),
        secretAccessKey: z.string().optional(),
        forcePathStyle: z.boolean().optional(),
      })
      .strict()
      .optional(),
    /**
     * The unprivileged account local-process workloads run as (Berth must run as root to switch);
     * unset: they run as the user Berth runs as. A resource's command runs on the Berth host.
     */
    localProcessUser: z.string().min(1).max(64).optional(),
    /** Compression of new backup artifacts inside their encryption: gzip (level 1, smaller) or none (faster on CPU-bound hosts). */
    backupCompression: z.enum(["gzip", "none"]).default("gzip"),
    /** Backup policies run only where this is enabled (any number of replicas may enable it). */
    backupScheduler: z.object({ enabled: z.boolean().default(false), tickMs: z.number().int().min(100).default(30_000) }).strict().default({ enabled: false, tickMs: 30_000 }),
    /** Where services this process does not run are served (host:port); local ones are called through this process's own address. */
    peers: z
      .object({ dependency: z.string().min(1).optional(), binding: z.string().min(1).optional(), deployment: z.string().min(1).optional(), backup: z.string().min(1).optional() })
      .strict()
      .default({}),
    /** Serve gRPC over TLS (recommended whenever listen is not loopback). Peers then connect with TLS, trusting caFile (or system roots). */
    tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1), caFile: z.string().min(1).optional() }).strict().optional(),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    shutdownGraceMs: z.number().int().min(0).default(10_000),
    // Each realization job holds a pooled connection (pool max 10): keep headroom for RPCs.
    jobs: z.object({ concurrency: z.number().int().min(1).max(6, "at most 6 (each job holds one of the 10 pooled connections)").optional(), maxDeliver: z.number().int().min(1).optional(), ackWaitMs: z.number().int().min(1000).optional() }).default({}),
    /**
     * Job leases (realization, backup, restore) and their reconciler: a running job's worker heart-beats every
     * heartbeatMs (2 s); a lease not refreshed for leaseTtlMs (10 s) belongs to a dead worker; a pass runs every
     * intervalMs (5 s); an unowned waiting job is queued again after waitingGraceMs (10 s); maxAttempts (5) claims
     * before a job whose worker keeps dying is failed; staleAfterMs (120 s) before an interrupted delete is finished.
     */
    reconciler: z
      .object({
        intervalMs: z.number().int().min(100).optional(),
        staleAfterMs: z.number().int().min(100).optional(),
        maxAttempts: z.number().int().min(1).optional(),
        heartbeatMs: z.number().int().min(100).optional(),
        leaseTtlMs: z.number().int().min(500).optional(),
        waitingGraceMs: z.number().int().min(100).optional(),
      })
      .strict()
      .refine((r) => (r.heartbeatMs ?? 2000) * 2 <= (r.leaseTtlMs ?? 10_000), { message: "leaseTtlMs must be at least twice heartbeatMs, or live jobs look dead" })
      .default({}),
  })
  .strict();

export type HostConfig = z.infer<typeof hostConfigSchema>;
/** One layer of configuration (file, env or flags); layers are merged, then validated. */
export type HostConfigInput = Partial<z.input<typeof hostConfigSchema>>;

/** Thrown when configuration is wrong; `problems` has one line per wrong value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Where each required key can be set, for "is required" messages. */
const WHERE: Record<string, string> = {
  databaseUrl: "BERTH_DATABASE_URL, --database-url or databaseUrl in the config file",
  adminToken: "BERTH_ADMIN_TOKEN or adminToken in the config file (generate: openssl rand -base64 32)",
  internalToken: "BERTH_INTERNAL_TOKEN or internalToken in the config file (generate: openssl rand -base64 32)",
  masterKeys: 'BERTH_MASTER_KEYS or masterKeys in the config file (generate: echo "k1:$(openssl rand -base64 32)")',
};

/** Environment variables a Berth process reads, and the config key each sets. */
export const ENV_KEYS: Record<string, (value: string) => HostConfigInput> = {
  BERTH_DATABASE_URL: (v) => ({ databaseUrl: v }),
  BERTH_NATS_URL: (v) => ({ natsUrl: v }),
  BERTH_NATS_PREFIX: (v) => ({ natsPrefix: v }),
  BERTH_ADMIN_TOKEN: (v) => ({ adminToken: v }),
  BERTH_INTERNAL_TOKEN: (v) => ({ internalToken: v }),
  BERTH_INTERNAL_TOKENS: (v) => ({ internalTokens: v.split(",").map((s) => s.trim()).filter(Boolean) }),
  BERTH_AUDIT: (v) => ({ audit: { enabled: !(v === "0" || v === "false" || v === "off") } }),
  BERTH_MASTER_KEYS: (v) => ({ masterKeys: v.split(",").map((s) => s.trim()).filter(Boolean) }),
  BERTH_LOG_LEVEL: (v) => ({ logLevel: v as HostConfig["logLevel"] }),
  BERTH_LISTEN: (v) => ({ listen: parseListen(v) }),
  BERTH_SERVICES: (v) => ({ services: parseServices(v) }),
  BERTH_ARTIFACT_DIR: (v) => ({ artifactDir: v }),
  BERTH_LOCAL_PROCESS_USER: (v) => ({ localProcessUser: v }),
  BERTH_BACKUP_SCHEDULER: (v) => ({ backupScheduler: { enabled: v === "1" || v === "true", tickMs: 30_000 } }),
};

/** "host:port", ":port" or "port" (host 127.0.0.1); an invalid port is reported by the schema. */
export function parseListen(value: string): { host: string; port: number } {
  const index = value.lastIndexOf(":");
  if (index < 0) return { host: "127.0.0.1", port: Number(value) };
  return { host: value.slice(0, index).replace(/^\[(.*)\]$/, "$1") || "127.0.0.1", port: Number(value.slice(index + 1)) };
}

export function parseServices(value: string): ServiceName[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean) as ServiceName[];
}

export function readConfigFile(path: string): HostConfigInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`]);
  }
  try {
    return (YAML.parse(text) ?? {}) as HostConfigInput;
  } catch (error) {
    throw new ConfigError([`config file ${path}: not valid YAML/JSON: ${(error as Error).message.split("\n")[0]}`]);
  }
}

/**
 * Merges layers (lowest first: defaults, file, env, flags) and validates once.
 * Every wrong value is reported with its key and how to fix it; secrets are never echoed.
 */
export function resolveConfig(layers: HostConfigInput[]): HostConfig {
  const merged = Object.assign({}, ...layers.map((layer) => Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined))));
  const result = hostConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path.join(".") || "(root)";
        const missing = issue.code === "invalid_type" && (merged as Record<string, unknown>)[String(issue.path[0])] === undefined;
        return missing ? `${key}: is required; set ${WHERE[key] ?? `${key} in the config file`}` : `${key}: ${issue.message}`;
      }),
    );
  }
  const config = result.data;
  const problems: string[] = [];
  for (const service of config.services) {
    if (!IMPLEMENTED_SERVICES.has(service)) {
      problems.push(`services: "${service}" has a contract but no implementation in this build yet; run: ${[...IMPLEMENTED_SERVICES].join(",")}`);
    }
  }
  const keyIds = config.masterKeys.map((k) => k.slice(0, k.indexOf(":")));
  if (config.activeMasterKeyId && !keyIds.includes(config.activeMasterKeyId)) {
    problems.push(`activeMasterKeyId: "${config.activeMasterKeyId}" is not among masterKeys (${keyIds.join(", ")})`);
  }
  if (config.adminToken === config.internalToken || config.internalTokens.includes(config.adminToken)) problems.push("internalToken: must differ from adminToken");
  const needs: Array<[ServiceName, ServiceName]> = [
    ["binding", "dependency"],
    ["deployment", "dependency"],
    ["deployment", "binding"],
    ["backup", "dependency"],
  ];
  for (const [service, needed] of needs) {
    if (config.services.includes(service) && !config.services.includes(needed) && !config.peers[needed]) {
      problems.push(`peers.${needed}: the ${service} service calls the ${needed} service; run it here (services) or give its address in peers.${needed}`);
    }
  }
  if (config.services.includes("backup") && !config.artifactDir && !config.artifactS3) {
    problems.push("artifactDir: is required with the backup service; set BERTH_ARTIFACT_DIR or artifactDir to a directory for encrypted backup artifacts (or configure artifactS3)");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Config layer from environment variables. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): HostConfigInput {
  return Object.assign({}, ...Object.entries(ENV_KEYS).filter(([key]) => env[key]).map(([key, toLayer]) => toLayer(env[key]!)));
}
