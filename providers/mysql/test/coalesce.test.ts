import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { coalesceChunks } from "../src/coalesce.js";

describe("coalesceChunks", () => {
  it("passes every byte through in order, in chunks of at least the size except the last", async () => {
    const input = Array.from({ length: 300 }, (_, i) => Buffer.alloc(1 + (i % 7) * 1000, i));
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on("data", (chunk: Buffer) => out.push(chunk));
    await pipeline(Readable.from(input), coalesceChunks(16 * 1024), sink);
    expect(Buffer.concat(out).equals(Buffer.concat(input))).toBe(true);
    expect(out.slice(0, -1).every((chunk) => chunk.length >= 16 * 1024)).toBe(true);
    expect(out.length).toBeLessThan(input.length / 3);
  });

  it("ends cleanly on an empty stream", async () => {
    const out: Buffer[] = [];
    const sink = new PassThrough();
    sink.on("data", (chunk: Buffer) => out.push(chunk));
    await pipeline(Readable.from([]), coalesceChunks(1024), sink);
    expect(out).toEqual([]);
  });
});
