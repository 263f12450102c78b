import { createHash, randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { DumpFormatError, readRecords, RecordWriter, type KeyRecord } from "../src/dump-format.js";
import { RedisReplyError, ReplyParser, type RespReply } from "../src/resp-parser.js";

/** Splits `data` into chunks of random sizes (1 byte up to `max`). */
function chunked(data: Buffer, max: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const size = 1 + Math.floor(Math.random() * max);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe("RESP reply parser", () => {
  const big = randomBytes(300_000);
  const wire = Buffer.concat([
    Buffer.from("+OK\r\n-NOPERM this user has no permissions\r\n:-2\r\n:1234567890123\r\n$0\r\n\r\n$-1\r\n*-1\r\n"),
    Buffer.from("*2\r\n$1\r\n0\r\n*3\r\n$3\r\nk:1\r\n$3\r\nk:2\r\n*0\r\n"),
    Buffer.from(`$${big.length}\r\n`),
    big,
    Buffer.from("\r\n$4\r\nb\r\nc\r\n"),
  ]);
  const check = (replies: RespReply[]) => {
    expect(replies).toHaveLength(10);
    expect(replies.slice(0, 1)).toEqual(["OK"]);
    expect(replies[1]).toBeInstanceOf(RedisReplyError);
    expect((replies[1] as RedisReplyError).code).toBe("NOPERM");
    expect(replies.slice(2, 7)).toEqual([-2, 1234567890123, Buffer.alloc(0), null, null]);
    expect(replies[7]).toEqual([Buffer.from("0"), [Buffer.from("k:1"), Buffer.from("k:2"), []]]);
    expect(Buffer.compare(replies[8] as Buffer, big)).toBe(0);
    expect(replies[9]).toEqual(Buffer.from("b\r\nc"));
  };

  it("parses replies delivered whole, byte by byte, and in random chunks", () => {
    for (const chunks of [[wire], chunked(wire, 1), chunked(wire, 7), chunked(wire, 70_000)]) {
      const parser = new ReplyParser();
      const out: RespReply[] = [];
      for (const chunk of chunks) parser.feed(chunk, out);
      check(out);
    }
  });

  it("refuses a byte that starts no RESP reply", () => {
    expect(() => new ReplyParser().feed(Buffer.from("?what\r\n"), [])).toThrow(/unexpected RESP type/);
  });
});

describe("redis-dump-v1 records", () => {
  const records: KeyRecord[] = [
    { key: Buffer.from("p:a"), pttl: -1, dump: randomBytes(20) },
    { key: Buffer.from([0, 255, 10, 13]), pttl: 5_000_000_000_123, dump: randomBytes(3) },
    { key: Buffer.from("p:big"), pttl: 42, dump: randomBytes(1_200_000) },
    { key: Buffer.alloc(0), pttl: 1, dump: Buffer.alloc(0) },
  ];

  async function encode(list: KeyRecord[]): Promise<Buffer> {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (chunk: Buffer) => chunks.push(chunk));
    const writer = new RecordWriter(sink);
    for (const record of list) writer.add(record.key, record.pttl, record.dump);
    await writer.finish();
    return Buffer.concat(chunks);
  }

  /** Records as small comparable values (deep-equal on megabyte Buffers is slow). */
  const summary = (list: KeyRecord[]) => list.map((r) => `${r.key.toString("hex")} ${r.pttl} ${createHash("sha256").update(r.dump).digest("hex")}`);

  async function decode(chunks: Buffer[]): Promise<string[]> {
    const out: KeyRecord[] = [];
    for await (const batch of readRecords(Readable.from(chunks))) out.push(...batch);
    return summary(out);
  }

  it("round-trips keys, TTLs and payloads whatever the chunking", async () => {
    const artifact = await encode(records);
    for (const chunks of [[artifact], chunked(artifact, 100), chunked(artifact, 100_000)]) expect(await decode(chunks)).toEqual(summary(records));
    const small = [records[0], records[1], records[3]];
    expect(await decode(chunked(await encode(small), 1))).toEqual(summary(small));
  });

  it("detects a truncated stream, data after the end marker and a foreign file", async () => {
    const artifact = await encode(records.slice(0, 2));
    for (const broken of [artifact.subarray(0, artifact.length - 1), artifact.subarray(0, 30), Buffer.concat([artifact, Buffer.from("x")]), Buffer.from("PGDMP custom dump"), Buffer.alloc(0)]) {
      await expect(decode([broken])).rejects.toBeInstanceOf(DumpFormatError);
    }
  });
});
