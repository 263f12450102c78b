import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { isIP } from "node:net";
import { credentialsOfUrl, ProviderError, redactSecrets } from "@berth/provider-sdk";
import { RedisReplyError, ReplyParser, type RespReply } from "./resp-parser.js";

export { RedisReplyError, type RespReply } from "./resp-parser.js";

/** Where and as whom to connect; parsed from a redis:// or rediss:// URL. */
export interface RedisEndpoint {
  host: string;
  port: number;
  tls: boolean;
  user?: string;
  password?: string;
  db: number;
}

/**
 * The endpoint of a URL that describeConnection already accepted. A lone
 * userinfo (`redis://SECRET@host`) is the password, as redis-cli reads it.
 */
export function endpointOf(connectionUrl: string): RedisEndpoint {
  const url = new URL(connectionUrl);
  const db = url.pathname.replace(/^\/|\/$/g, "");
  const { user, password } = credentialsOfUrl(connectionUrl);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: Number(url.port || 6379),
    tls: url.protocol === "rediss:",
    user,
    password,
    db: db === "" ? 0 : Number(db),
  };
}

export type CommandArg = string | Buffer | number;

const CONNECT_TIMEOUT_MS = 10_000;
const OUT_CHUNK = 64 * 1024;
const CRLF = Buffer.from("\r\n");

/**
 * A lean pipelined Redis connection (RESP2). Berth's backup and restore send
 * millions of small commands; a general-purpose client spends ~9 µs of CPU on
 * each (objects, promises, GC), which made backups 5× slower than the server.
 * Here commands are encoded straight into a shared output buffer and replies
 * are collected in order, so the caller pipelines by sending a batch and then
 * taking that many replies.
 */
export class RespConnection {
  private readonly parser = new ReplyParser();
  private readonly replies: RespReply[] = [];
  private head = 0;
  private waiter?: { count: number; resolve: (replies: RespReply[]) => void; reject: (error: Error) => void };
  private failure?: Error;
  private out = Buffer.allocUnsafe(OUT_CHUNK);
  private used = 0;
  private readonly detachAbort: () => void;

  private constructor(
    private readonly socket: Socket,
    private readonly secrets: string[],
    signal?: AbortSignal,
  ) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("the connection closed")));
    const onAbort = () => this.close(new Error("aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
    this.detachAbort = () => signal?.removeEventListener("abort", onAbort);
  }

  /**
   * Connects, authenticates and selects the database. Connection and login
   * failures are `target_unavailable`, with `secrets` redacted from the message.
   */
  static async open(endpoint: RedisEndpoint, options: { signal?: AbortSignal; secrets?: string[]; what?: string } = {}): Promise<RespConnection> {
    const secrets = [...(options.secrets ?? []), ...(endpoint.password ? [endpoint.password] : [])];
    const what = options.what ?? "redis";
    if (options.signal?.aborted) throw new ProviderError("internal", "aborted before connecting");
    let socket: Socket;
    try {
      socket = await openSocket(endpoint, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw new ProviderError("internal", "aborted while connecting");
      throw new ProviderError("target_unavailable", `cannot connect to ${what}: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
    const connection = new RespConnection(socket, secrets, options.signal);
    try {
      if (endpoint.password !== undefined) {
        await connection.call(endpoint.user === undefined ? ["AUTH", endpoint.password] : ["AUTH", endpoint.user, endpoint.password]);
      }
      if (endpoint.db !== 0) await connection.call(["SELECT", endpoint.db]);
      return connection;
    } catch (error) {
      connection.close();
      if (options.signal?.aborted) throw new ProviderError("internal", "aborted while logging in");
      throw new ProviderError("target_unavailable", `${what} refused the login: ${redactSecrets(messageOf(error), secrets)}`, { cause: error });
    }
  }

  /** Queues one command in the output buffer; `flush` sends what is queued. */
  send(args: readonly CommandArg[]): void {
    let size = 3 + digits(args.length);
    for (const arg of args) {
      if (typeof arg === "string") size += encodedWord(arg).length;
      else {
        const length = typeof arg === "number" ? digits(arg) + (arg < 0 ? 1 : 0) : arg.length;
        size += 5 + digits(length) + length;
      }
    }
    if (size > this.out.length - this.used) {
      this.flush();
      if (size > this.out.length) return this.sendLarge(args);
    }
    const out = this.out;
    let at = this.used;
    out[at++] = 42; // "*"
    at = writeDigits(out, at, args.length);
    out[at++] = 13;
    out[at++] = 10;
    for (const arg of args) {
      if (typeof arg === "string") {
        at += encodedWord(arg).copy(out, at);
        continue;
      }
      out[at++] = 36; // "$"
      if (typeof arg === "number") {
        const negative = arg < 0;
        const magnitude = negative ? -arg : arg;
        at = writeDigits(out, at, digits(magnitude) + (negative ? 1 : 0));
        out[at++] = 13;
        out[at++] = 10;
        if (negative) out[at++] = 45; // "-"
        at = writeDigits(out, at, magnitude);
      } else {
        at = writeDigits(out, at, arg.length);
        out[at++] = 13;
        out[at++] = 10;
        at += arg.length < 64 ? copySmall(arg, out, at) : arg.copy(out, at);
      }
      out[at++] = 13;
      out[at++] = 10;
    }
    this.used = at;
  }

  /** A command bigger than the output buffer: headers are copied, big arguments written as they are. */
  private sendLarge(args: readonly CommandArg[]): void {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const arg of args) {
      const data = typeof arg === "number" ? Buffer.from(String(arg)) : typeof arg === "string" ? Buffer.from(arg) : arg;
      parts.push(Buffer.from(`$${data.length}\r\n`), data, CRLF);
    }
    for (const part of parts) this.socket.write(part);
  }

  /** Sends the queued commands. Returns false when the socket buffer is full (await `drained`). */
  flush(): boolean {
    if (this.used === 0) return !this.socket.writableNeedDrain;
    const chunk = this.out.subarray(0, this.used);
    this.out = Buffer.allocUnsafe(OUT_CHUNK);
    this.used = 0;
    return this.socket.write(chunk);
  }

  /** Resolves when the socket accepts more writes. */
  async drained(): Promise<void> {
    if (!this.socket.writableNeedDrain || this.failure) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  /**
   * The next `count` replies, in the order their commands were sent. Error
   * replies are returned as RedisReplyError values, not thrown.
   */
  take(count: number): Promise<RespReply[]> {
    if (this.waiter) return Promise.reject(new Error("take() is already waiting"));
    if (this.replies.length - this.head >= count) return Promise.resolve(this.shift(count));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { count, resolve, reject }));
  }

  /** Sends one command and returns its reply; an error reply is thrown. */
  async call(args: readonly CommandArg[]): Promise<RespReply> {
    this.send(args);
    this.flush();
    const [reply] = await this.take(1);
    if (reply instanceof RedisReplyError) throw reply;
    return reply;
  }

  /** Closes the connection; pending and later `take` calls fail with `reason`. */
  close(reason: Error = new Error("the connection was closed")): void {
    this.detachAbort();
    this.fail(reason);
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    try {
      this.parser.feed(chunk, this.replies);
    } catch (error) {
      this.close(new Error(`redis sent a malformed reply: ${messageOf(error)}`));
      return;
    }
    const waiter = this.waiter;
    if (waiter && this.replies.length - this.head >= waiter.count) {
      this.waiter = undefined;
      waiter.resolve(this.shift(waiter.count));
    }
  }

  private shift(count: number): RespReply[] {
    const taken = this.replies.slice(this.head, this.head + count);
    this.head += count;
    if (this.head === this.replies.length) {
      this.replies.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.replies.splice(0, this.head);
      this.head = 0;
    }
    return taken;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = new Error(redactSecrets(error.message, this.secrets));
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }
}

function openSocket(endpoint: RedisEndpoint, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.tls
      ? connectTls({ host: endpoint.host, port: endpoint.port, servername: isIP(endpoint.host) ? undefined : endpoint.host })
      : connectTcp({ host: endpoint.host, port: endpoint.port });
    const ready = endpoint.tls ? "secureConnect" : "connect";
    const finish = (error?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off(ready, onReady);
      socket.off("error", finish);
      if (error) {
        socket.destroy();
        reject(error);
      } else {
        resolve(socket);
      }
    };
    const onReady = () => finish();
    const onAbort = () => finish(new Error("aborted"));
    const timer = setTimeout(() => finish(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    socket.setNoDelay(true);
    socket.once(ready, onReady);
    socket.once("error", finish);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  if (n < 0) return digits(-n);
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length;
}

/** Writes a non-negative integer in decimal at `at`; returns the end. */
function writeDigits(out: Buffer, at: number, n: number): number {
  if (n < 10) {
    out[at] = 48 + n;
    return at + 1;
  }
  const end = at + digits(n);
  for (let i = end - 1; i >= at; i--) {
    out[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** Byte loop for short keys: cheaper than Buffer#copy's native call. */
function copySmall(source: Buffer, target: Buffer, at: number): number {
  for (let i = 0; i < source.length; i++) target[at + i] = source[i];
  return source.length;
}

function encodeString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF]);
}

/** The words of the hot loops, encoded once: they repeat millions of times in a backup. */
const HOT_WORDS = new Map(["DUMP", "PTTL", "RESTORE", "REPLACE", "SCAN", "MATCH", "COUNT", "UNLINK"].map((word) => [word, encodeString(word)]));

/** A string argument as RESP ("$4\r\nDUMP\r\n"). Other strings (cursors, patterns, passwords) are never cached. */
function encodedWord(word: string): Buffer {
  return HOT_WORDS.get(word) ?? encodeString(word);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
