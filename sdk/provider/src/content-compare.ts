import { CONTENT_UNITS, type ContentEntry, type ContentStats } from "./manifest.js";

/**
 * One comparison a restore drill records: what the manifest says, what the
 * restored copy holds. Values are strings so counts, sizes and digests record
 * alike; `"absent"` means the item is missing on that side.
 */
export interface ContentCheck {
  /** e.g. "table public.orders rows", "bucket media bytes", "total rows". */
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

const ABSENT = "absent";

/**
 * Compares a backup's recorded content with the content read from a restored
 * copy (`describeContent`): per entry its count, and its bytes and fingerprint
 * where either side has them, plus the totals. Entries on either side only are
 * reported as `absent` on the other. Pure: no I/O.
 *
 * @example
 * const checks = compareContent(manifest.content, await provider.describeContent!({ kind, connectionUrl, metadata, signal }));
 * const passed = checks.every((check) => check.ok);
 * // [{ name: "table public.orders rows", expected: "1200", actual: "1200", ok: true }, …]
 */
export function compareContent(expected: ContentStats, actual: ContentStats): ContentCheck[] {
  const key = (entry: ContentEntry) => `${entry.scope}\u0000${entry.name}`;
  const found = new Map(actual.entries.map((entry) => [key(entry), entry]));
  const checks: ContentCheck[] = [];
  const seen = new Set<string>();
  const compare = (name: string, want: string | undefined, got: string | undefined) =>
    checks.push({ name, expected: want ?? ABSENT, actual: got ?? ABSENT, ok: want === got });
  for (const entry of expected.entries) {
    seen.add(key(entry));
    const other = found.get(key(entry));
    addEntryChecks(compare, entry, entry, other);
  }
  for (const entry of actual.entries) if (!seen.has(key(entry))) addEntryChecks(compare, entry, undefined, entry);
  const units = new Set([...expected.entries, ...actual.entries].map((entry) => CONTENT_UNITS[entry.scope]));
  const unit = units.size === 1 ? [...units][0] : "items";
  compare(`total ${unit}`, String(expected.totals.count), String(actual.totals.count));
  if (expected.totals.bytes !== undefined || actual.totals.bytes !== undefined) compare("total bytes", text(expected.totals.bytes), text(actual.totals.bytes));
  return checks;
}

function addEntryChecks(compare: (name: string, want?: string, got?: string) => void, named: ContentEntry, want: ContentEntry | undefined, got: ContentEntry | undefined): void {
  const label = `${named.scope} ${named.name}`;
  compare(`${label} ${CONTENT_UNITS[named.scope]}`, text(want?.count), text(got?.count));
  if (want?.bytes !== undefined || got?.bytes !== undefined) compare(`${label} bytes`, text(want?.bytes), text(got?.bytes));
  if (want?.fingerprint !== undefined || got?.fingerprint !== undefined) compare(`${label} fingerprint`, want?.fingerprint, got?.fingerprint);
}

function text(value: number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
