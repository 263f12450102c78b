import { Readable } from "node:stream";
import { expect, it } from "vitest";
import { compareContent } from "./content-compare.js";
import type { ProviderErrorCode } from "./errors.js";
import type { BackupManifest, ContentScope, ContentStats } from "./manifest.js";
import type { OperationContext, Provider, SafeMetadata } from "./provider.js";
import { versionNumbers } from "./restore-compatibility.js";

/**
 * What the kit needs of the sample to check manifests: where the manifest
 * counts the sample's items, and a way to add one more item there.
 */
export interface ConformanceContentSample {
  /** The entry that counts the sample's items (after one `write`, it counts 1), e.g. `{ scope: "table", name: "public.conformance_sample" }`. */
  entry(owner: SafeMetadata): { scope: ContentScope; name: string };
  /** Stores one more item (row, key, object, document) named `key` beside the sample value, so that entry's count grows by one. */
  add(connectionUrl: string, owner: SafeMetadata, key: string, value: string): Promise<void>;
}

/** The kit's state the manifest checks read; getters, because tests fill it as they run. */
export interface ManifestKit {
  provider: Provider;
  kind: string;
  content?: ConformanceContentSample;
  read(connectionUrl: string, owner: SafeMetadata): Promise<string | undefined>;
  ctx(): OperationContext;
  primary(): { connectionUrl: string; metadata: SafeMetadata };
  backup(): { artifact?: Buffer; format: string; manifest?: BackupManifest };
  secrets: Set<string>;
  visible: string[];
  expectProviderError(promise: Promise<unknown>, codes: ProviderErrorCode[]): Promise<unknown>;
}

const SKIPPED = " (skipped: manifest declares no manifest capability)";

/** The same version with its major raised by 1000: a dump from a far-future engine and tool. */
export function farFutureVersion(version: string): string {
  const major = versionNumbers(version)[0] ?? 0;
  return String(major + 1000) + ".0.0";
}

async function describeLive(kit: ManifestKit): Promise<ContentStats> {
  const { connectionUrl, metadata } = kit.primary();
  const content = await kit.provider.describeContent!({ kind: kit.kind, connectionUrl, metadata, ...kit.ctx() });
  kit.visible.push(JSON.stringify(content));
  return content;
}

const failed = (content: ContentStats, other: ContentStats) => compareContent(content, other).filter((check) => !check.ok);

/** Registers the check that runs right after the backup check. */
export function checkManifestOfBackup(kit: ManifestKit, declared: boolean): void {
  (declared ? it : it.skip)(`backup manifest: the backup names engine and tool versions, counts what the sample wrote, holds no secret${declared ? "" : SKIPPED}`, async () => {
    const { manifest } = kit.backup();
    expect(manifest, "capabilities.manifest is true, so backup() must return a manifest").toBeDefined();
    const text = JSON.stringify(manifest);
    kit.visible.push(text);
    for (const secret of kit.secrets) if (secret.length >= 4) expect(text.includes(secret), "the manifest holds a secret").toBe(false);
    for (const [what, value] of Object.entries({ engine: manifest!.engine.name, "engine version": manifest!.engine.version, tool: manifest!.tool.name, "tool version": manifest!.tool.version, formatVersion: manifest!.formatVersion })) {
      expect(typeof value === "string" && value.trim() !== "", `the manifest names no ${what}`).toBe(true);
    }
    const { metadata } = kit.primary();
    const where = kit.content!.entry(metadata);
    const entry = manifest!.content.entries.find((e) => e.scope === where.scope && e.name === where.name);
    expect(entry, `the manifest has no entry ${where.scope} ${where.name}: ${text}`).toBeDefined();
    expect(entry!.count, "the manifest's count of the sample's items").toBe(1);
    expect(manifest!.content.totals.count).toBe(manifest!.content.entries.reduce((sum, e) => sum + e.count, 0));
    // Nothing changed since the backup: the live content reads the same.
    expect(failed(manifest!.content, await describeLive(kit)), "describeContent of the unchanged source differs from the manifest").toEqual([]);
  });
}

/** Registers the checks that run right after the restore check. */
export function checkManifestAfterRestore(kit: ManifestKit, declared: boolean): void {
  const test = declared ? it : it.skip;
  const note = declared ? "" : SKIPPED;
  test(`backup manifest: after restore describeContent equals the manifest, and a change shows in compareContent${note}`, async () => {
    const { manifest } = kit.backup();
    expect(manifest, "backup must have returned a manifest").toBeDefined();
    expect(failed(manifest!.content, await describeLive(kit)), "restored content differs from the manifest").toEqual([]);
    const { connectionUrl, metadata } = kit.primary();
    await kit.content!.add(connectionUrl, metadata, "conformance-extra", "extra");
    const where = kit.content!.entry(metadata);
    const differences = failed(manifest!.content, await describeLive(kit));
    expect(differences.length, "an added item went unnoticed by compareContent").toBeGreaterThan(0);
    expect(differences.some((check) => check.name.startsWith(`${where.scope} ${where.name} `) && check.expected === "1" && check.actual === "2"), JSON.stringify(differences)).toBe(true);
  });

  test(`backup manifest: restore refuses a far-future engine major with incompatible_version and changes nothing${note}`, async () => {
    const { artifact, format, manifest } = kit.backup();
    expect(artifact && manifest, "backup must have returned an artifact and a manifest").toBeTruthy();
    const { connectionUrl, metadata } = kit.primary();
    const before = await describeLive(kit);
    const valueBefore = await kit.read(connectionUrl, metadata);
    const future: BackupManifest = {
      ...manifest!,
      engine: { ...manifest!.engine, version: farFutureVersion(manifest!.engine.version) },
      tool: { ...manifest!.tool, version: farFutureVersion(manifest!.tool.version) },
    };
    const error = (await kit.expectProviderError(
      kit.provider.restore!({ kind: kit.kind, connectionUrl, metadata, source: Readable.from([artifact!]), format, manifest: future, ...kit.ctx() }),
      ["incompatible_version"],
    )) as Error;
    expect([future.engine.version, future.tool.version].some((v) => error.message.includes(v)), `the refusal names the backup's version: ${error.message}`).toBe(true);
    expect(failed(before, await describeLive(kit)), "a refused restore changed the target").toEqual([]);
    expect(await kit.read(connectionUrl, metadata)).toBe(valueBefore);
  });
}
