import { ProviderError, redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";

const REQUEST_TIMEOUT_MS = 60_000;
const MAX_DETAIL = 300;

export interface OpenSearchReply {
  status: number;
  /** Parsed JSON, or the raw text when the body is not JSON (401 "Unauthorized", for one). */
  body: unknown;
}

export interface RequestOptions {
  /** Query parameters; values are encoded here. */
  query?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** An NDJSON body (`_bulk`); must end with a newline. */
  ndjson?: string;
}

/**
 * The narrow slice of the OpenSearch REST API the provider needs, over plain
 * fetch with Basic auth taken from a URL. Every error leaving it is a
 * ProviderError with the URL's secrets redacted.
 */
export class OpenSearchHttp {
  private readonly base: string;
  private readonly authorization?: string;
  private readonly secrets: string[];
  readonly hostPort: string;
  readonly user: string;

  /** @param url `http(s)://user:password@host:port/…`; only scheme, credentials and host are used. */
  constructor(
    url: URL,
    private readonly signal: AbortSignal,
  ) {
    this.base = `${url.protocol}//${url.host}`;
    this.hostPort = url.host;
    this.user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    if (url.username || url.password) this.authorization = `Basic ${Buffer.from(`${this.user}:${password}`).toString("base64")}`;
    this.secrets = [...secretPartsOfUrl(url.toString()), password];
  }

  /** Sends one request; answers with any HTTP status, throws only when there is no answer. */
  async call(method: string, path: string, options: RequestOptions = {}): Promise<OpenSearchReply> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : "";
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.authorization) headers.authorization = this.authorization;
    let body: string | undefined;
    if (options.ndjson !== undefined) {
      headers["content-type"] = "application/x-ndjson";
      body = options.ndjson;
    } else if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (this.signal.aborted) throw new ProviderError("internal", "the operation was cancelled");
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.base}${path}${query}`, {
        method,
        headers,
        body,
        signal: AbortSignal.any([this.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      text = await response.text();
    } catch (error) {
      if (this.signal.aborted) throw new ProviderError("internal", "the operation was cancelled", { cause: error });
      throw new ProviderError("target_unavailable", `OpenSearch at ${this.hostPort} did not answer: ${this.redact(networkReason(error))}`, { cause: error });
    }
    return { status: response.status, body: parseBody(text) };
  }

  /**
   * Sends one request and returns the body of a 2xx answer (or of one of
   * `okStatuses`); anything else becomes a typed, redacted error. A 401 is the
   * server refusing these credentials, so it is `target_unavailable`.
   */
  async expect(method: string, path: string, options: RequestOptions = {}, okStatuses: number[] = []): Promise<unknown> {
    const reply = await this.call(method, path, options);
    if ((reply.status >= 200 && reply.status < 300) || okStatuses.includes(reply.status)) return reply.body;
    throw this.failure(`${method} ${path}`, reply);
  }

  /** The typed error for an unexpected reply. */
  failure(what: string, reply: OpenSearchReply): ProviderError {
    if (reply.status === 401) {
      return new ProviderError("target_unavailable", `OpenSearch at ${this.hostPort} refused the login of user ${JSON.stringify(this.user)} (401)`);
    }
    return new ProviderError("internal", `OpenSearch refused ${this.redact(what)}: ${reply.status} ${this.redact(errorDetail(reply.body))}`);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** "type: reason" of an OpenSearch error body, in its three shapes (core, security REST API, "no handler"). */
export function errorDetail(body: unknown): string {
  let detail: string;
  if (typeof body === "string") detail = body;
  else if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (typeof error === "string") detail = error;
    else if (error && typeof error === "object") {
      const { type, reason } = error as Record<string, unknown>;
      detail = `${String(type)}: ${String(reason)}`;
    } else if (typeof record.message === "string") detail = `${String(record.status)}: ${record.message}`;
    else detail = JSON.stringify(body);
  } else detail = String(body);
  return detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}…` : detail;
}

/** The low-level reason fetch gives ("ECONNREFUSED", a TLS error…) instead of its bare "fetch failed". */
function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: string }).code;
    return code ? `${code} ${cause.message}` : cause.message;
  }
  return error.message;
}
