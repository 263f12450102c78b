import { redactSecrets } from "@berth/provider-sdk";

/** Output kept per workload: the last 64 KiB, in whole lines. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** A "line" longer than this without a line break is cut here. */
const LINE_LIMIT = 8 * 1024;

export interface OutputSnapshot {
  /** Oldest first, every delivered secret masked. */
  lines: string[];
  /** Older output was dropped to stay within the limit. */
  truncated: boolean;
  /** When the workload last printed; null when it printed nothing yet. */
  capturedAt: Date | null;
}

/**
 * A workload's stdout and stderr as it prints them, masked line by line as each
 * line completes, so what is kept never holds a secret — not even part of one:
 * a limit never cuts through raw text, and a line still being printed is shown
 * without its tail when that tail could be the start of a secret.
 */
export class OutputCapture {
  private readonly lines: string[] = [];
  private bytes = 0;
  private pending = "";
  private truncated = false;
  private capturedAt: Date | null = null;
  private forms: string[] = [];
  /** Bumped on every write, so a saver can tell whether anything changed. */
  version = 0;

  constructor(secrets: readonly string[] = []) {
    this.setSecrets(secrets);
  }

  /** The delivered secrets (and their URL-encoded forms) to mask. */
  setSecrets(secrets: readonly string[]): void {
    const usable = secrets.filter((s) => s && s.length >= 4);
    this.forms = [...new Set(usable.flatMap((s) => [s, encodeURIComponent(s)]))];
  }

  write(chunk: string): void {
    if (!chunk) return;
    this.version++;
    this.capturedAt = new Date();
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf("\n")) !== -1) {
      this.push(this.pending.slice(0, newline).replace(/\r$/, ""));
      this.pending = this.pending.slice(newline + 1);
    }
    if (this.pending.length > LINE_LIMIT) {
      const keep = this.unsafeTail(this.pending);
      this.push(this.pending.slice(0, this.pending.length - keep));
      this.pending = this.pending.slice(this.pending.length - keep);
    }
  }

  snapshot(): OutputSnapshot {
    const lines = [...this.lines];
    const partial = this.pending.slice(0, this.pending.length - this.unsafeTail(this.pending));
    if (partial) lines.push(this.mask(partial));
    return { lines, truncated: this.truncated, capturedAt: this.capturedAt };
  }

  /** The last line printed, masked ("" when none). */
  lastLine(): string {
    const lines = this.snapshot().lines.filter((l) => l.trim());
    return lines.at(-1)?.trim().slice(0, 300) ?? "";
  }

  private mask(text: string): string {
    return redactSecrets(text, this.forms);
  }

  private push(raw: string): void {
    const line = this.mask(raw);
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    while (this.bytes > OUTPUT_LIMIT_BYTES && this.lines.length > 1) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!) + 1;
      this.truncated = true;
    }
  }

  /** Length of the longest end of `text` that is the beginning of a secret (it may be completed by the next write). */
  private unsafeTail(text: string): number {
    let longest = 0;
    for (const secret of this.forms) {
      for (let n = Math.min(secret.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(secret.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
