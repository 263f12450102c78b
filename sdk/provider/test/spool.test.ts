import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSpool } from "../src/index.js";

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

describe("createSpool", () => {
  it("reads back what was written, as often as asked, and never holds the plaintext on disk", async () => {
    const secret = "customer-row-Zq8f1c9e3d";
    const body = Array.from({ length: 20_000 }, (_, i) => `${secret}:${i}\n`).join("");
    const spool = await createSpool("test-spool");
    try {
      await spool.fill((async function* () {
        for (let i = 0; i < body.length; i += 7000) yield body.slice(i, i + 7000);
      })());
      const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith("berth-test-spool-"));
      const files = dirs.flatMap((d) => readdirSync(join(tmpdir(), d)).map((f) => join(tmpdir(), d, f)));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(readFileSync(file).includes(Buffer.from(secret))).toBe(false);
      expect(await text(spool.reader())).toBe(body);
      expect(await text(spool.reader({ highWaterMark: 1024 }))).toBe(body);
    } finally {
      await spool.dispose();
    }
    expect(readdirSync(tmpdir()).filter((d) => d.startsWith("berth-test-spool-")).some((d) => existsSync(join(tmpdir(), d, "spool")))).toBe(false);
  });
});
