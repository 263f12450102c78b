import { connect } from "node:net";
import { ProviderError } from "@berth/provider-sdk";
import { hostPort } from "./url.js";

/** Long enough for a slow network, short enough that a wrong host fails an import promptly. */
export const PROBE_TIMEOUT_MS = 3_000;

/**
 * Resolves once a TCP connection to host:port opens, then closes it. Reachability
 * is all we check: speaking each protocol would need a driver per kind. Errors
 * carry only host, port and the system error code, never the connection URL.
 */
export function probeTcp(host: string, port: number, signal?: AbortSignal, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const fail = (code: string, cause?: unknown) =>
    new ProviderError("target_unavailable", `cannot reach ${hostPort(host, port)}: ${code}`, { cause });
  if (signal?.aborted) return Promise.reject(fail("ABORTED"));

  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const finish = (error?: ProviderError) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(fail("ABORTED"));
    const timer = setTimeout(() => finish(fail("ETIMEDOUT")), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => finish());
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // Only a well-formed system code goes into the message; the rest stays in `cause`.
      const code = typeof error.code === "string" && /^[A-Z0-9_]+$/.test(error.code) ? error.code : "connection error";
      finish(fail(code, error));
    });
  });
}
