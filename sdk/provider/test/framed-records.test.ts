import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FRAME_CHUNK, FrameEncoder, FrameReader, isProviderError } from "../src/index.js";

function artifact(): Buffer {
  const frames = new FrameEncoder("demo-v1");
  return Buffer.concat([
    frames.start({ scope: "all" }),
    frames.json("J", { n: 1 }),
    ...frames.chunks("B", Buffer.alloc(FRAME_CHUNK + 10, 7)),
    frames.close("B"),
    frames.bytes("D", Buffer.from("digest")),
    frames.end(),
  ]);
}

async function readAll(bytes: Buffer, chunkSize = 1001, format = "demo-v1"): Promise<{ header: Record<string, unknown>; tags: string; body: number } | string> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  try {
    const reader = await FrameReader.open(Readable.from(chunks), format);
    expect(await reader.nextJson("J", "a record")).toEqual({ n: 1 });
    let body = 0;
    for await (const piece of reader.run("B", "the body")) body += piece.length;
    let tags = "";
    for (let frame = await reader.next(); frame; frame = await reader.next()) tags += frame.tag;
    return { header: reader.header, tags, body };
  } catch (error) {
    return isProviderError(error) ? error.code : String(error);
  }
}

describe("framed-record artifacts", () => {
  it("round-trips frames split across any chunk boundary, a long run included", async () => {
    expect(await readAll(artifact(), 13)).toEqual({ header: { scope: "all", format: "demo-v1" }, tags: "D", body: FRAME_CHUNK + 10 });
    expect(await readAll(artifact(), 64 * 1024)).toEqual({ header: { scope: "all", format: "demo-v1" }, tags: "D", body: FRAME_CHUNK + 10 });
  });

  it.each([
    ["truncated", (a: Buffer) => a.subarray(0, a.length - 3)],
    ["cut before the end frame", (a: Buffer) => a.subarray(0, a.lastIndexOf(Buffer.from('{"frames"')) - 5)],
    ["with trailing bytes", (a: Buffer) => Buffer.concat([a, Buffer.from("x")])],
    ["spliced (end count off)", (a: Buffer) => Buffer.concat([a.subarray(0, a.lastIndexOf(Buffer.from('{"frames"')) - 5), new FrameEncoder("demo-v1").end()])],
    ["garbage", () => Buffer.from("PGDMP not ours")],
    ["empty", () => Buffer.alloc(0)],
  ])("refuses an artifact %s as corrupt_artifact", async (_name, damage) => {
    expect(await readAll(damage(artifact()))).toBe("corrupt_artifact");
  });

  it("refuses an artifact whose header names another format", async () => {
    expect(await readAll(artifact(), 1001, "other-v1")).toBe("corrupt_artifact");
  });

  it("reserves the header and end tags", () => {
    expect(() => new FrameEncoder("demo-v1").bytes("E", Buffer.alloc(0))).toThrow(/reserved/);
  });
});
