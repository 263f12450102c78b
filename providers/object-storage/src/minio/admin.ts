import { createHash } from "node:crypto";
import { ProviderError, redactSecrets } from "@berth/provider-sdk";
import type { ObjectStorageTarget } from "../target.js";
import { encryptAdminData } from "./madmin-crypto.js";
import { signedHeaders } from "./sigv4.js";

const ADMIN_PREFIX = "/minio/admin/v3";
const NOT_FOUND_CODES = new Set(["XMinioAdminNoSuchUser", "XMinioAdminNoSuchPolicy"]);

/** MinIO's access keys are at most 20 characters: "BERTH" and 15 base-32 characters of the bucket's digest. */
export function minioUserFor(bucket: string): string {
  const digest = createHash("sha256").update(bucket).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let out = "BERTH";
  for (let i = 0; out.length < 20; i++) out += alphabet[digest[i] % 32];
  return out;
}

/** A policy that allows everything on one bucket and its objects, and nothing else. */
export function bucketPolicy(bucket: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  });
}

/**
 * The slice of MinIO's admin API (madmin-go v3) realize and release need:
 * users, canned policies and their mapping. Requests are SigV4-signed with the
 * target's keys; add-user's body is encrypted with its secret key, as
 * madmin-go's `AddUser` does. Every error leaving it is typed and redacted.
 */
export class MinioAdmin {
  constructor(
    private readonly target: ObjectStorageTarget,
    private readonly secrets: readonly string[],
    private readonly signal: AbortSignal,
  ) {}

  private async call(method: "PUT" | "DELETE", path: string, query: Record<string, string>, body: Buffer = Buffer.alloc(0), missingIsFine = false): Promise<void> {
    const url = new URL(`${this.target.endpoint}${ADMIN_PREFIX}/${path}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const headers = await signedHeaders(method, url, body, { ...this.target, service: "s3" });
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: body.length > 0 ? new Uint8Array(body) : undefined, signal: this.signal });
    } catch (error) {
      const detail = redactSecrets(`${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ""}`, this.secrets);
      throw new ProviderError("target_unavailable", `MinIO admin API ${path} did not answer: ${detail}`, { cause: error });
    }
    if (response.ok) {
      await response.arrayBuffer();
      return;
    }
    const text = await response.text().catch(() => "");
    let code = "";
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { Code?: string; Message?: string };
      code = parsed.Code ?? "";
      message = parsed.Message ?? message;
    } catch {
      // not JSON: not MinIO's admin API answering (see below)
    }
    if (missingIsFine && NOT_FOUND_CODES.has(code)) return;
    const detail = redactSecrets(`HTTP ${response.status}${code ? ` ${code}` : ""}: ${message}`, this.secrets);
    if (!code && (response.status === 404 || response.status === 405 || response.status === 501)) {
      throw new ProviderError("unsupported", `the target does not serve MinIO's admin API (${path}: HTTP ${response.status}), so isolation=minio-user cannot work there`);
    }
    const refused = response.status === 401 || response.status === 403;
    throw new ProviderError(refused ? "target_unavailable" : "internal", `MinIO admin API ${path} failed: ${detail}`);
  }

  /** Creates the user, or sets a new secret key on an existing one (enabled either way). */
  async addUser(accessKey: string, secretKey: string): Promise<void> {
    const body = encryptAdminData(this.target.secretAccessKey, Buffer.from(JSON.stringify({ secretKey, status: "enabled" })));
    await this.call("PUT", "add-user", { accessKey }, body);
  }

  /** Creates or replaces a canned policy. */
  async addPolicy(name: string, policy: string): Promise<void> {
    await this.call("PUT", "add-canned-policy", { name }, Buffer.from(policy));
  }

  /** Makes `policy` the user's only policy. */
  async setUserPolicy(accessKey: string, policy: string): Promise<void> {
    await this.call("PUT", "set-user-or-group-policy", { policyName: policy, userOrGroup: accessKey, isGroup: "false" });
  }

  async removeUser(accessKey: string): Promise<void> {
    await this.call("DELETE", "remove-user", { accessKey }, undefined, true);
  }

  async removePolicy(name: string): Promise<void> {
    await this.call("DELETE", "remove-canned-policy", { name }, undefined, true);
  }
}
