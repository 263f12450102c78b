import { ProviderError, redactSecrets } from "@berth/provider-sdk";

/**
 * The narrow slice of ClickHouse's HTTP interface the provider needs, with plain
 * `fetch` (no client library: ClickHouse 18.16 predates what they expect).
 * Credentials travel in a Basic Authorization header, never in the query
 * string, and every error leaving this module is redacted.
 */
export interface HttpEndpoint {
  /** "http://host:port" (or https). */
  origin: string;
  user: string;
  password: string;
  /** Values to strike from any message (passwords, hashes). */
  secrets: string[];
}

export interface QueryOptions {
  /** Current database for the query (`?database=`). */
  database?: string;
  signal?: AbortSignal;
  /** Gives up after this many ms; default 30 000. Streams pass 0 for none. */
  timeoutMs?: number;
}

/** Error codes ClickHouse answers when the login itself is refused. */
const LOGIN_REFUSED = new Set([192, 193, 194, 195, 516]);
export const UNKNOWN_USER = 192;
export const WRONG_PASSWORD = 193;

/** A ClickHouse exception, with its numeric code when the server gave one. */
export class ClickHouseError extends ProviderError {
  constructor(
    code: "target_unavailable" | "internal",
    message: string,
    readonly serverCode: number | undefined,
  ) {
    super(code, message);
  }
}

export function endpointFromUrl(url: URL, extraSecrets: string[] = []): HttpEndpoint {
  const password = decodeURIComponent(url.password);
  return {
    origin: `${url.protocol}//${url.host}`,
    user: decodeURIComponent(url.username) || "default",
    password,
    secrets: [password, ...extraSecrets].filter((s) => s.length > 0),
  };
}

/** Runs a statement and returns the response body as text. */
export async function query(endpoint: HttpEndpoint, sql: string, options: QueryOptions = {}): Promise<string> {
  const response = await send(endpoint, new URLSearchParams(), sql, options);
  return response.text();
}

/** Runs a SELECT and returns the open response, whose body the caller streams. */
export async function select(endpoint: HttpEndpoint, sql: string, options: QueryOptions = {}): Promise<Response> {
  return send(endpoint, new URLSearchParams(), sql, { ...options, timeoutMs: 0 });
}

/** Runs `INSERT … FORMAT x` with the data streamed as the request body. */
export async function insert(endpoint: HttpEndpoint, sql: string, data: AsyncIterable<Uint8Array>, options: QueryOptions = {}): Promise<void> {
  const params = new URLSearchParams({ query: sql });
  const response = await send(endpoint, params, data, { ...options, timeoutMs: 0 });
  await response.arrayBuffer();
}

async function send(
  endpoint: HttpEndpoint,
  params: URLSearchParams,
  body: string | AsyncIterable<Uint8Array>,
  options: QueryOptions,
): Promise<Response> {
  if (options.database) params.set("database", options.database);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const signals = [options.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
  const auth = Buffer.from(`${endpoint.user}:${endpoint.password}`).toString("base64");
  let response: Response;
  try {
    response = await fetch(`${endpoint.origin}/?${params.toString()}`, {
      method: "POST",
      headers: { authorization: `Basic ${auth}` },
      body: typeof body === "string" ? body : (body as unknown as ReadableStream<Uint8Array>),
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      // Needed for a streamed request body.
      ...(typeof body === "string" ? {} : { duplex: "half" }),
    } as RequestInit);
  } catch (error) {
    if (options.signal?.aborted) throw new ProviderError("internal", "clickhouse request aborted");
    throw new ClickHouseError("target_unavailable", `cannot reach clickhouse at ${hostOf(endpoint)}: ${redact(endpoint, causeOf(error))}`, undefined);
  }
  if (response.ok) return response;
  const text = (await response.text().catch(() => "")).trim();
  const serverCode = codeOf(text);
  const refused = response.status === 401 || response.status === 403 || (serverCode !== undefined && LOGIN_REFUSED.has(serverCode));
  const message = `clickhouse ${refused ? "refused the login" : "refused"}: ${redact(endpoint, text.slice(0, 500)) || `HTTP ${response.status}`}`;
  throw new ClickHouseError(refused ? "target_unavailable" : "internal", message, serverCode);
}

/** "Code: 291, e.displayText() = …" (18.x) or "Code: 497. DB::Exception: …" (newer). */
export function codeOf(text: string): number | undefined {
  const match = /^Code: (\d+)[.,]/.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function isClickHouseError(error: unknown, serverCode?: number): error is ClickHouseError {
  return error instanceof ClickHouseError && (serverCode === undefined || error.serverCode === serverCode);
}

function redact(endpoint: HttpEndpoint, text: string): string {
  return redactSecrets(text, endpoint.secrets);
}

function hostOf(endpoint: HttpEndpoint): string {
  return endpoint.origin.replace(/^[a-z]+:\/\//, "");
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
