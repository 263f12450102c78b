import { describe, expect, it } from "vitest";
import { OUTPUT_LIMIT_BYTES, OutputCapture } from "../src/runtime/output-capture.js";

const SECRET = "hunter2-Zq9f8e7d6c5b";

describe("captured workload output", () => {
  it("masks a secret split across writes, and never shows the start of one still being printed", () => {
    const capture = new OutputCapture([SECRET]);
    capture.write("password is hunt");
    // The unfinished line ends with what could be the start of the secret: it is held back.
    expect(capture.snapshot().lines).toEqual(["password is "]);
    capture.write("er2-Zq9f8e7d6c5b\nnext line\n");
    expect(capture.snapshot().lines).toEqual(["password is ****", "next line"]);
    expect(capture.lastLine()).toBe("next line");
  });

  it("masks the URL-encoded form of a secret", () => {
    const capture = new OutputCapture(["p@ss/word!x"]);
    capture.write(`db=${encodeURIComponent("p@ss/word!x")}\n`);
    expect(capture.snapshot().lines).toEqual(["db=****"]);
  });

  it("keeps the last 64 KiB in whole lines and says older output was dropped", () => {
    const capture = new OutputCapture([SECRET]);
    for (let i = 0; i < 5000; i++) capture.write(`line ${i} ${SECRET}\n`);
    const { lines, truncated } = capture.snapshot();
    expect(truncated).toBe(true);
    expect(lines.at(-1)).toBe("line 4999 ****");
    expect(lines.join("\n").length).toBeLessThanOrEqual(OUTPUT_LIMIT_BYTES);
    expect(lines.every((l) => /^line \d+ \*\*\*\*$/.test(l))).toBe(true);
  });

  it("cuts an endless line without cutting through a secret", () => {
    const capture = new OutputCapture([SECRET]);
    const filler = "x".repeat(8 * 1024 - 5);
    capture.write(filler + SECRET + "tail");
    const text = capture.snapshot().lines.join("|");
    expect(text).not.toContain(SECRET.slice(0, 5));
    expect(text).toContain("****");
  });
});
