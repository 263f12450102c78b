import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs. Every field that could carry a secret is redacted by
 * path, wherever it appears, as a second line of defence: code logs ids and
 * states, not payloads.
 */
export const REDACTED_LOG_FIELDS = [
  "connectionUrl",
  "connection_url",
  "adminUrl",
  "password",
  "token",
  "authorization",
  "secret",
  "masterKey",
  "secretAccessKey",
  "*.secretAccessKey",
  "*.connectionUrl",
  "*.connection_url",
  "*.adminUrl",
  "*.password",
  "*.token",
  "*.authorization",
  "*.secret",
  "*.masterKey",
];

export function createLogger(options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      name: options.name,
      redact: { paths: REDACTED_LOG_FIELDS, censor: "****" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}
