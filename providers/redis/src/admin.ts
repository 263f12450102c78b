import { ProviderError, redactSecrets, secretPartsOfUrl } from "@berth/provider-sdk";
import { RedisClient } from "./client.js";
import { SCAN_COUNT } from "./keys.js";
import { endpointOf, messageOf, RedisReplyError } from "./resp.js";

/**
 * The narrow slice of Redis administration the provider needs, on the
 * realization target's admin connection (always database 0, where managed
 * dependencies live), over ioredis. Every error leaving it is a redacted
 * ProviderError.
 */
export class RedisAdmin {
  private constructor(
    private readonly connection: RedisClient,
    private readonly secrets: string[],
  ) {}

  static async connect(adminUrl: string, extraSecrets: string[], signal?: AbortSignal): Promise<RedisAdmin> {
    const secrets = [...secretPartsOfUrl(adminUrl), ...extraSecrets];
    const connection = await RedisClient.connect({ ...endpointOf(adminUrl), db: 0 }, { signal, secrets, what: "the redis realization target" });
    return new RedisAdmin(connection, secrets);
  }

  /** `ACL SETUSER name …rules` in one command (atomic since Redis 7). */
  async setUser(name: string, rules: string[]): Promise<void> {
    await this.run(["ACL", "SETUSER", name, ...rules]);
  }

  /** Disconnects the user's clients and deletes it; a user that is gone is fine. */
  async deleteUser(name: string): Promise<void> {
    try {
      await this.run(["CLIENT", "KILL", "USER", name]);
    } catch (error) {
      // "No such user": already deleted (and ACL DELUSER disconnects its clients anyway).
      if (!(error instanceof ProviderError) || !/no such user/i.test(error.message)) throw error;
    }
    await this.run(["ACL", "DELUSER", name]);
  }

  /** UNLINKs every key that matches `pattern` in database 0; returns how many. */
  async deleteKeys(pattern: string, signal?: AbortSignal): Promise<number> {
    let deleted = 0;
    let cursor = "0";
    try {
      do {
        signal?.throwIfAborted();
        const scanned = await this.connection.scan(cursor, pattern, SCAN_COUNT);
        cursor = scanned.cursor;
        if (scanned.keys.length > 0) deleted += Number(await this.connection.call(["UNLINK", ...scanned.keys]));
      } while (cursor !== "0");
    } catch (error) {
      throw this.wrap(error);
    }
    return deleted;
  }

  /**
   * Persists users with ACL SAVE when the server has an ACL file. Returns a
   * warning (never throws) when it cannot: without an ACL file, users made
   * with ACL SETUSER last until the server restarts.
   */
  async persistUsers(): Promise<string | undefined> {
    try {
      const reply = await this.connection.call(["CONFIG", "GET", "aclfile"]);
      const file = Array.isArray(reply) && Buffer.isBuffer(reply[1]) ? reply[1].toString() : "";
      if (file === "") return "the redis server has no ACL file, so ACL users last until it restarts (configure aclfile to keep them)";
      await this.connection.call(["ACL", "SAVE"]);
      return undefined;
    } catch (error) {
      return `could not persist ACL users: ${redactSecrets(messageOf(error), this.secrets)}`;
    }
  }

  /** A warning when RESTORE payloads from dependency users are not deep-checked; undefined when they are or we may not look. */
  async payloadSanitizingWarning(): Promise<string | undefined> {
    try {
      const reply = await this.connection.call(["CONFIG", "GET", "sanitize-dump-payload"]);
      const value = Array.isArray(reply) && Buffer.isBuffer(reply[1]) ? reply[1].toString() : "";
      if (value !== "no") return undefined;
      return "the redis server does not sanitize RESTORE payloads (sanitize-dump-payload no); set it to clients so a dependency cannot send crafted payloads";
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.connection.close();
  }

  private async run(args: string[]): Promise<void> {
    try {
      await this.connection.call(args);
    } catch (error) {
      throw this.wrap(error);
    }
  }

  private wrap(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    const message = redactSecrets(messageOf(error), this.secrets);
    // The admin user lacks a permission Berth needs: the target is misconfigured, not the request.
    if (error instanceof RedisReplyError && error.code === "NOPERM") {
      return new ProviderError("target_unavailable", `the redis realization target refused an admin command: ${message}`, { cause: error });
    }
    return new ProviderError("internal", `redis refused: ${message}`, { cause: error });
  }
}
