import { Client, credentials, Metadata, type CallOptions, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { decodeServiceError } from "./errors.js";

/** The shape ts-proto emits for one method of a grpc-js service definition; the client and the server edge both type calls from it. */
export interface GeneratedMethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  responseDeserialize: (value: Buffer) => unknown;
}
/** A generated service definition (`DependencyServiceService`, …): its methods by name. */
export type GeneratedServiceDefinition = Record<string, GeneratedMethodDefinition>;

/** The request message type of a generated method. */
export type RequestOf<M extends GeneratedMethodDefinition> = Parameters<M["requestSerialize"]>[0];
/** The response message type of a generated method. */
export type ResponseOf<M extends GeneratedMethodDefinition> = ReturnType<M["responseDeserialize"]>;

export interface CallOverrides {
  /** Milliseconds until the call is cancelled with DEADLINE_EXCEEDED. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A server stream as an async iterable; `cancel()` ends it early. */
export interface ResponseStream<T> extends AsyncIterable<T> {
  cancel(): void;
}

/** Promise-based client for one service: unary RPCs return promises, server streams async iterables. */
export type PromiseClient<D extends GeneratedServiceDefinition> = {
  [K in keyof D]: D[K]["responseStream"] extends true
    ? (request: RequestOf<D[K]>, overrides?: CallOverrides) => ResponseStream<ResponseOf<D[K]>>
    : (request: RequestOf<D[K]>, overrides?: CallOverrides) => Promise<ResponseOf<D[K]>>;
};

export interface ConnectionOptions {
  /** host:port of a Berth server. */
  address: string;
  /** Bearer token sent as `authorization: Bearer …`. */
  token: string;
  /** Use TLS (system roots). Default false. */
  tls?: boolean;
  /** PEM of the CA that signed the server's certificate (private CAs); implies TLS. Default: system roots. */
  caPem?: Buffer;
  /** Default deadline for unary calls. Default 30 s. */
  timeoutMs?: number;
}

/** Builds a promise client for one generated service definition over a shared channel. */
export function createPromiseClient<D extends GeneratedServiceDefinition>(
  definition: D,
  channel: Client,
  options: ConnectionOptions,
): PromiseClient<D> {
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const serialize = method.requestSerialize as (value: unknown) => Buffer;
    const deserialize = method.responseDeserialize;
    client[name] = method.responseStream
      ? (request: unknown, overrides: CallOverrides = {}) =>
          serverStream(channel, method.path, serialize, deserialize, request, authMetadata(options.token), overrides)
      : (request: unknown, overrides: CallOverrides = {}) =>
          new Promise((resolve, reject) => {
            const callOptions: CallOptions = { deadline: Date.now() + (overrides.timeoutMs ?? options.timeoutMs ?? 30_000) };
            const call = channel.makeUnaryRequest(
              method.path,
              serialize,
              deserialize,
              request,
              authMetadata(options.token),
              callOptions,
              (error: ServiceError | null, response?: unknown) => (error ? reject(decodeServiceError(error)) : resolve(response)),
            );
            overrides.signal?.addEventListener("abort", () => call.cancel(), { once: true });
          });
  }
  return client as PromiseClient<D>;
}

function serverStream(
  channel: Client,
  path: string,
  serialize: (value: unknown) => Buffer,
  deserialize: (value: Buffer) => unknown,
  request: unknown,
  metadata: Metadata,
  overrides: CallOverrides,
): ResponseStream<unknown> {
  const callOptions: CallOptions = overrides.timeoutMs ? { deadline: Date.now() + overrides.timeoutMs } : {};
  const call = channel.makeServerStreamRequest(path, serialize, deserialize, request, metadata, callOptions);
  overrides.signal?.addEventListener("abort", () => call.cancel(), { once: true });
  return {
    cancel: () => call.cancel(),
    async *[Symbol.asyncIterator]() {
      try {
        for await (const message of call) yield message;
      } catch (error) {
        const serviceError = error as ServiceError;
        if (typeof serviceError.code === "number") throw decodeServiceError(serviceError);
        throw error;
      }
    },
  };
}

function authMetadata(token: string): Metadata {
  const metadata = new Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

export function createChannel(options: ConnectionOptions): Client {
  const creds: ChannelCredentials = options.tls || options.caPem ? credentials.createSsl(options.caPem ?? null) : credentials.createInsecure();
  return new Client(options.address, creds, {
    "grpc.keepalive_time_ms": 30_000,
    // Explicit bounds: a page of 500 records fits; nothing larger is ever sent.
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.max_send_message_length": 4 * 1024 * 1024,
  });
}
