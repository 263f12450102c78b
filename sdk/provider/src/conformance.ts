import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { checkManifestAfterRestore, checkManifestOfBackup, type ConformanceContentSample } from "./conformance-manifest.js";
import { isProviderError, type ProviderError, type ProviderErrorCode } from "./errors.js";
import type { BackupManifest } from "./manifest.js";
import { secretPartsOfUrl } from "./masking.js";
import { validateProviderModule } from "./plugin.js";
import type { Provider, RealizationTarget, RealizeResult, SafeMetadata } from "./provider.js";

/**
 * Reads and writes one sample value through a delivered connection. The kit
 * calls these with connections it realized, and with a *foreign* connection to
 * prove isolation: `read(connectionOfB, metadataOfA)` must throw or return
 * undefined.
 */
export interface ConformanceSample {
  /** Stores `value` in the dependency `owner` describes (its database, key prefix, bucket…), creating the table/index if needed. */
  write(connectionUrl: string, owner: SafeMetadata, value: string): Promise<void>;
  /** The value last written to `owner`, or undefined when there is none. May throw when access is refused. */
  read(connectionUrl: string, owner: SafeMetadata): Promise<string | undefined>;
  /**
   * Optional, recommended: whether anything of the dependency `owner` describes is
   * still on the target (its database, user, keys, bucket…), checked with the
   * target's admin connection. After release the kit expects false. Without it,
   * "gone" is only checked through the released dependency's own credentials,
   * which stop working once its user is dropped even if its data stayed.
   */
  exists?(target: RealizationTarget, owner: SafeMetadata): Promise<boolean>;
  /**
   * Required when the provider declares `capabilities.manifest`: where a manifest
   * counts the sample's items, and how to add one more, so the kit can check that
   * manifest counts equal what was written and that a change shows in `compareContent`.
   */
  content?: ConformanceContentSample;
}

export interface ConformanceOptions {
  provider: Provider;
  /** The kind to exercise (one of `provider.manifest.kinds`). */
  kind: string;
  /** A live realization target. Needed when the provider declares `realize`. */
  target?: RealizationTarget;
  /**
   * For providers that do not realize (imported connections): a live connection
   * the kit probes, backs up and restores. Its data is overwritten.
   */
  connectionUrl?: string;
  /** Metadata for `connectionUrl` (what realize would have returned); default: describeConnection's. */
  connectionMetadata?: SafeMetadata;
  sample: ConformanceSample;
  /** A target of the same kind nothing listens on; default: the target with port 1. */
  unreachableTarget?: RealizationTarget;
  /** Extra secrets that must never appear in returned metadata, messages or artifacts. */
  secrets?: string[];
  /**
   * "not-enforced-by-target" when the target cannot keep dependencies apart (an S3
   * server without users, a search cluster without its security plugin): the
   * isolation check is then registered as skipped, naming the reason, instead of
   * failing. Default "enforced".
   */
  isolation?: "enforced" | "not-enforced-by-target";
  /**
   * How the probe checks make failing URLs from a working one. Each is a function
   * from the working URL to the failing one, or `"not-applicable: <why>"` when the
   * kind's URLs cannot express the case (the check is then registered as skipped,
   * naming why). Defaults: `wrongPassword` replaces the URL's password;
   * `missingDatabase` replaces the last path segment (a database, bucket or index)
   * with a name that does not exist.
   */
  probeCases?: {
    wrongPassword?: ProbeCase;
    missingDatabase?: ProbeCase;
  };
  /** Per-test timeout in ms; default 60 000. */
  timeoutMs?: number;
}

/** Makes a failing URL from a working one, or says why the kind cannot express the case. */
export type ProbeCase = ((connectionUrl: string) => string) | `not-applicable: ${string}`;

/** What the kit checks, in order; a provider's test output lists each by these names. */
export const CONFORMANCE_CHECKS = [
  "manifest",
  "describeConnection",
  "realize",
  "probe",
  "probe: wrong password",
  "probe: missing database",
  "isolation",
  "backup",
  "restore",
  "backup manifest",
  "release",
  "bad input",
  "masking",
] as const;

/**
 * Registers the provider conformance suite with vitest. Call it at the top
 * level of a test file:
 *
 * @example
 * import { runProviderConformance } from "@berth/provider-sdk/conformance";
 * runProviderConformance({
 *   provider, kind: "redis",
 *   target: { name: "test", kind: "redis", adminUrl: process.env.REDIS_ADMIN_URL! },
 *   sample: { write: (url, owner, value) => …, read: (url, owner) => … },
 * });
 *
 * Capabilities the manifest declares `false` are registered as skipped tests
 * whose names say so, so the report shows what was not checked and why.
 */
/**
 * The ProviderError `promise` rejects with. Fails the calling test when the call succeeds or fails
 * with anything else: for a provider's own tests of what it refuses (the kit checks its codes so).
 */
export async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected the call to fail with a ProviderError").toBeDefined();
  expect(isProviderError(error), `expected a ProviderError, got ${String(error)}`).toBe(true);
  return error as ProviderError;
}

export function runProviderConformance(options: ConformanceOptions): void {
  const { provider, kind, sample } = options;
  const caps = provider.manifest.capabilities;
  const timeout = options.timeoutMs ?? 60_000;
  const signal = new AbortController().signal;
  const run = randomBytes(3).toString("hex");
  const idA = `dep_conf${run}a`;
  const idB = `dep_conf${run}b`;
  const target = options.target;
  const realizes = caps.realize && typeof provider.realize === "function";
  if (realizes && !target) throw new Error("runProviderConformance: the provider realizes, so `target` is required");
  if (!realizes && !options.connectionUrl) throw new Error("runProviderConformance: a provider that does not realize needs `connectionUrl`");
  const manifests = caps.manifest === true && caps.backup && caps.restore;
  if (manifests && !sample.content) throw new Error("runProviderConformance: the provider declares capabilities.manifest, so `sample.content` is required");

  /** Everything the provider returned or said that users may see; checked for secrets at the end. */
  const visible: string[] = [];
  const secrets = new Set<string>([...(options.secrets ?? []), ...(target ? secretPartsOfUrl(target.adminUrl) : [])]);
  const progress = (message: string) => visible.push(message);
  const ctx = () => ({ signal, progress });

  let a: RealizeResult | undefined;
  let b: RealizeResult | undefined;
  let artifact: Buffer | undefined;
  let format = "";
  let manifest: BackupManifest | undefined;
  const released = new Set<string>();

  const remember = (result: RealizeResult) => {
    for (const part of secretPartsOfUrl(result.connectionUrl)) secrets.add(part);
    visible.push(JSON.stringify(result.metadata));
    return result;
  };
  const expectProviderError = async (promise: Promise<unknown>, codes: ProviderErrorCode[]) => {
    const typed = await providerErrorOf(promise);
    visible.push(typed.message);
    expect(codes, `error code of: ${typed.message}`).toContain(typed.code);
    return typed;
  };
  const when = (cap: boolean) => (cap ? it : it.skip);
  const skipNote = (name: keyof typeof caps) => (caps[name] ? "" : ` (skipped: manifest declares ${name}: false)`);

  const primary = (): { connectionUrl: string; metadata: SafeMetadata } => {
    if (a) return a;
    const url = options.connectionUrl!;
    return { connectionUrl: url, metadata: options.connectionMetadata ?? provider.describeConnection(kind, url).metadata };
  };

  afterAll(async () => {
    // Leave the target clean even when a check failed midway.
    if (!realizes || !provider.release || !target) return;
    for (const [id, result] of [
      [idA, a],
      [idB, b],
    ] as const) {
      if (result && !released.has(id)) await provider.release({ dependencyId: id, kind, target, metadata: result.metadata, signal }).catch(() => undefined);
    }
  });

  describe(`provider conformance: ${provider.manifest.name} (${kind})`, { timeout }, () => {
    it("manifest: loads as a plugin, declares the kind and a compatible SDK version", () => {
      expect(validateProviderModule(provider.manifest.name, { provider })).toBe(provider);
      expect(provider.manifest.kinds).toContain(kind);
      expect(provider.manifest.version).toMatch(/^\d+\.\d+\.\d+/);
      for (const name of ["realize", "release", "probe", "backup", "restore"] as const) {
        if (caps[name]) expect(typeof provider[name], `capabilities.${name} is true, so ${name}() must exist`).toBe("function");
      }
      if (caps.manifest) expect(typeof provider.describeContent, "capabilities.manifest is true, so describeContent() must exist").toBe("function");
      if (caps.backup) expect(caps.backupFormat, "a provider that backs up names its format").toBeTruthy();
    });

    it("describeConnection: rejects malformed URLs with invalid_input and masks the password", async () => {
      await expectProviderError(Promise.resolve().then(() => provider.describeConnection(kind, "not a url")), ["invalid_input"]);
      const planted = `Pw${randomBytes(8).toString("hex")}`;
      secrets.add(planted);
      const sampleUrl = (options.connectionUrl ?? target!.adminUrl).replace(/\/\/([^:@/]*)(:[^@/]*)?@/, `//$1:${planted}@`);
      const withPassword = /\/\/[^/]*@/.test(sampleUrl) ? sampleUrl : sampleUrl.replace("//", `//user:${planted}@`);
      try {
        const described = provider.describeConnection(kind, withPassword);
        visible.push(described.maskedUrl, JSON.stringify(described.metadata));
        expect(described.maskedUrl).not.toContain(planted);
      } catch (error) {
        // Some kinds' URLs carry no credentials; then the refusal must not echo them.
        expect(isProviderError(error)).toBe(true);
        visible.push((error as Error).message);
      }
    });

    when(caps.realize)(`realize: creates a dependency whose connection works, and again returns it${skipNote("realize")}`, async () => {
      a = remember(await provider.realize!({ dependencyId: idA, name: "conformance-a", kind, target: target!, ...ctx() }));
      expect(a.connectionUrl).toBeTruthy();
      if (sample.exists) expect(await sample.exists(target!, a.metadata), "sample.exists does not see what realize created").toBe(true);
      // Metadata is shown to users: it may name the database but never carry the password.
      await sample.write(a.connectionUrl, a.metadata, "first");
      expect(await sample.read(a.connectionUrl, a.metadata)).toBe("first");
      // Redelivered job: realizing again must succeed and keep the data.
      a = remember(await provider.realize!({ dependencyId: idA, name: "conformance-a", kind, target: target!, ...ctx() }));
      expect(await sample.read(a.connectionUrl, a.metadata)).toBe("first");
    });

    when(caps.probe)(`probe: answers for a working connection, fails typed for one nothing answers${skipNote("probe")}`, async () => {
      const { connectionUrl, metadata } = primary();
      await provider.probe!({ kind, connectionUrl, metadata, ...ctx() });
      // The same credentials at a closed port: the error is typed and does not echo them.
      await expectProviderError(provider.probe!({ kind, connectionUrl: withPort(connectionUrl, 1), metadata, ...ctx() }), ["target_unavailable"]);
    });

    const cases = options.probeCases ?? {};
    const probeCase = (name: "wrongPassword" | "missingDatabase", fallback: (url: string) => string) => {
      const given = cases[name];
      if (typeof given === "string") return { make: undefined, note: ` (skipped: ${given})` };
      return { make: given ?? fallback, note: skipNote("probe") };
    };
    const wrongPassword = probeCase("wrongPassword", (url) => withPassword(url, `wrong-${run}-${randomBytes(6).toString("hex")}`));
    when(caps.probe && wrongPassword.make !== undefined)(`probe: a wrong password fails with authentication_failed${wrongPassword.note}`, async () => {
      const { connectionUrl, metadata } = primary();
      const wrong = wrongPassword.make!(connectionUrl);
      // The wrong password must not be echoed either.
      const wrongSecret = decodeURIComponent(new URL(wrong).password);
      if (wrongSecret && wrongSecret !== decodeURIComponent(new URL(connectionUrl).password)) secrets.add(wrongSecret);
      await expectProviderError(provider.probe!({ kind, connectionUrl: wrong, metadata, ...ctx() }), ["authentication_failed"]);
    });

    const missingDatabase = probeCase("missingDatabase", (url) => withLastPathSegment(url, `berth-missing-${run}`));
    when(caps.probe && missingDatabase.make !== undefined)(`probe: a missing database, bucket or index fails with database_missing${missingDatabase.note}`, async () => {
      const { connectionUrl } = primary();
      // No metadata: it would name the dependency's own database, not the URL's.
      await expectProviderError(provider.probe!({ kind, connectionUrl: missingDatabase.make!(connectionUrl), ...ctx() }), ["database_missing"]);
    });

    when(caps.realize)(`realize: a second dependency gets its own connection and data${skipNote("realize")}`, async () => {
      expect(a, "realize must have passed").toBeDefined();
      b = remember(await provider.realize!({ dependencyId: idB, name: "conformance-b", kind, target: target!, ...ctx() }));
      expect(b.connectionUrl).not.toBe(a!.connectionUrl);
      await sample.write(b.connectionUrl, b.metadata, "other");
      expect(await sample.read(b.connectionUrl, b.metadata)).toBe("other");
      expect(await sample.read(a!.connectionUrl, a!.metadata), "writing B changed A").toBe("first");
    });

    const isolated = options.isolation !== "not-enforced-by-target";
    const isolationNote = isolated ? skipNote("realize") : " (skipped: the target does not enforce isolation between dependencies)";
    when(caps.realize && isolated)(`isolation: a second dependency cannot read or write the first's data${isolationNote}`, async () => {
      expect(a && b, "realize must have passed").toBeTruthy();
      const foreign = await sample.read(b!.connectionUrl, a!.metadata).then(
        (value) => value,
        () => undefined,
      );
      expect(foreign, "B's connection read A's data").toBeUndefined();
      const written = await sample.write(b!.connectionUrl, a!.metadata, "overwritten-by-b").then(
        () => true,
        () => false,
      );
      expect(written, "B's connection could write into A's data").toBe(false);
      expect(await sample.read(a!.connectionUrl, a!.metadata)).toBe("first");
      expect(await sample.read(b!.connectionUrl, b!.metadata)).toBe("other");
    });

    when(caps.backup)(`backup: streams an artifact in the declared format, without secrets${skipNote("backup")}`, async () => {
      const { connectionUrl, metadata } = primary();
      if (!a) await sample.write(connectionUrl, metadata, "first");
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on("data", (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise((resolve) => sink.on("end", resolve));
      const result = await provider.backup!({ kind, connectionUrl, metadata, sink, ...ctx() });
      await ended;
      artifact = Buffer.concat(chunks);
      format = result.format;
      manifest = result.manifest;
      expect(format).toBe(caps.backupFormat);
      expect(artifact.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(artifact.includes(secret), "the artifact holds a secret").toBe(false);
    });

    const manifestKit = {
      provider,
      kind,
      content: sample.content,
      read: sample.read,
      ctx,
      primary,
      backup: () => ({ artifact, format, manifest }),
      secrets,
      visible,
      expectProviderError,
    };
    checkManifestOfBackup(manifestKit, manifests);

    when(caps.restore && caps.backup)(`restore: brings changed data back in place, refuses a wrong format${skipNote("restore")}`, async () => {
      expect(artifact, "backup must have passed").toBeDefined();
      const { connectionUrl, metadata } = primary();
      await sample.write(connectionUrl, metadata, "changed");
      expect(await sample.read(connectionUrl, metadata)).toBe("changed");
      await provider.restore!({ kind, connectionUrl, metadata, source: Readable.from([artifact!]), format, ...ctx() });
      expect(await sample.read(connectionUrl, metadata)).toBe("first");
      // Restoring twice is safe (a retried job).
      await provider.restore!({ kind, connectionUrl, metadata, source: Readable.from([artifact!]), format, ...ctx() });
      expect(await sample.read(connectionUrl, metadata)).toBe("first");
      await expectProviderError(
        provider.restore!({ kind, connectionUrl, metadata, source: Readable.from([artifact!]), format: `${format}-unknown`, ...ctx() }),
        ["corrupt_artifact", "invalid_input", "unsupported"],
      );
      if (b) expect(await sample.read(b.connectionUrl, b.metadata), "restoring A changed B").toBe("other");
    });

    checkManifestAfterRestore(manifestKit, manifests);

    when(caps.release)(`release: removes the dependency, and releasing again succeeds${skipNote("release")}`, async () => {
      expect(a, "realize must have passed").toBeDefined();
      await provider.release!({ dependencyId: idA, kind, target: target!, metadata: a!.metadata, ...ctx() });
      released.add(idA);
      const after = await sample.read(a!.connectionUrl, a!.metadata).then(
        (value) => value,
        () => undefined,
      );
      expect(after, "the released dependency's data is still readable").toBeUndefined();
      if (sample.exists) expect(await sample.exists(target!, a!.metadata), "release left the dependency's objects on the target").toBe(false);
      await provider.release!({ dependencyId: idA, kind, target: target!, metadata: a!.metadata, ...ctx() });
      // Releasing something never realized is fine too (a delete retried after a lost reply).
      await provider.release!({ dependencyId: `dep_conf${run}z`, kind, target: target!, metadata: {}, ...ctx() });
      if (b) {
        expect(await sample.read(b.connectionUrl, b.metadata), "releasing A touched B").toBe("other");
        await provider.release!({ dependencyId: idB, kind, target: target!, metadata: b.metadata, ...ctx() });
        released.add(idB);
      }
    });

    when(caps.realize)(`bad input: invalid ids and an unreachable target fail with typed errors${skipNote("realize")}`, async () => {
      for (const dependencyId of ["", "../etc", "dep_x; DROP DATABASE postgres", "DEP_" + "x".repeat(200)]) {
        await expectProviderError(provider.realize!({ dependencyId, name: "bad", kind, target: target!, ...ctx() }), ["invalid_input"]);
      }
      const unreachable = options.unreachableTarget ?? { ...target!, adminUrl: withPort(target!.adminUrl, 1) };
      for (const part of secretPartsOfUrl(unreachable.adminUrl)) secrets.add(part);
      await expectProviderError(provider.realize!({ dependencyId: `dep_conf${run}u`, name: "unreachable", kind, target: unreachable, ...ctx() }), ["target_unavailable"]);
    });

    it("masking: no secret in metadata, progress lines or error messages", () => {
      const text = visible.join("\n");
      for (const secret of secrets) if (secret.length >= 4) expect(text.includes(secret), "a secret appeared in user-visible output").toBe(false);
    });
  });
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** The URL with its last path segment (database, bucket, index) replaced, query kept. */
function withLastPathSegment(url: string, name: string): string {
  const parsed = new URL(url);
  const segments = parsed.pathname.split("/"); // "/db" → ["", "db"]; "/" → ["", ""]
  segments[Math.max(1, segments.length - 1)] = name;
  parsed.pathname = segments.join("/");
  return parsed.toString();
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}
