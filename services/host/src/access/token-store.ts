import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { newId, type Knex } from "@berth/runtime";
import type { RoleName } from "./roles.js";

/** A stored token, as Berth knows it: never its value. */
export interface TokenRecord {
  id: string;
  seq: string;
  name: string;
  role: RoleName;
  projectIds: string[];
  environmentIds: string[];
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface TokenRow {
  id: string;
  seq: string;
  name: string;
  role: RoleName;
  project_ids: string[];
  environment_ids: string[];
  secret_hash: Buffer;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

/** A bearer value: "<public id>.<secret>", e.g. "btk_7HqK2….Jx9-…" (the secret is 32 random bytes). */
const BEARER = /^(btk_[0-9A-Za-z]{16})\.([A-Za-z0-9_-]{43})$/;

export function parseBearer(value: string): { id: string; secret: string } | undefined {
  const match = BEARER.exec(value);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

function hashSecret(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

function toRecord(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    seq: String(row.seq),
    name: row.name,
    role: row.role,
    projectIds: row.project_ids,
    environmentIds: row.environment_ids,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** How long a replica may trust what it read about a token (revocation reaches every replica within this). */
export const TOKEN_CACHE_MS = 1000;
const CACHE_LIMIT = 10_000;

/** The token table. Only the access module writes SQL for it. */
export class TokenStore {
  private readonly cache = new Map<string, { row: Promise<TokenRow | undefined>; readAt: number }>();

  constructor(
    private readonly db: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a token and returns its bearer value, which exists nowhere else afterwards. */
  async create(input: { name: string; role: RoleName; projectIds: string[]; environmentIds: string[]; expiresAt: Date | null; createdBy: string }): Promise<{ record: TokenRecord; bearer: string }> {
    const id = newId("btk");
    const secret = randomBytes(32).toString("base64url");
    const [row] = await this.db<TokenRow>("tokens")
      .insert({
        id,
        name: input.name,
        role: input.role,
        project_ids: JSON.stringify(input.projectIds) as unknown as string[],
        environment_ids: JSON.stringify(input.environmentIds) as unknown as string[],
        secret_hash: hashSecret(secret),
        created_by: input.createdBy,
        expires_at: input.expiresAt,
      })
      .returning("*");
    return { record: toRecord(row), bearer: `${id}.${secret}` };
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db<TokenRow>("tokens").where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  /** Newest first; `beforeSeq` pages. */
  async list(options: { includeRevoked: boolean; limit: number; beforeSeq?: string }): Promise<TokenRecord[]> {
    const query = this.db<TokenRow>("tokens").orderBy("seq", "desc").limit(options.limit);
    if (!options.includeRevoked) void query.whereNull("revoked_at");
    if (options.beforeSeq) void query.where("seq", "<", options.beforeSeq);
    return (await query).map(toRecord);
  }

  /** Revokes (idempotent: a revoked token keeps its first revocation time). */
  async revoke(id: string): Promise<TokenRecord | undefined> {
    await this.db("tokens").where({ id }).whereNull("revoked_at").update({ revoked_at: this.db.fn.now() });
    this.cache.delete(id);
    return this.get(id);
  }

  /**
   * The token a bearer value names, when its secret matches; read from Postgres at
   * most TOKEN_CACHE_MS ago, so a revocation on any replica holds everywhere within that.
   */
  async verify(bearer: { id: string; secret: string }): Promise<TokenRecord | undefined> {
    const now = this.now();
    let entry = this.cache.get(bearer.id);
    if (!entry || now - entry.readAt >= TOKEN_CACHE_MS) {
      // One read per token per interval, however many calls arrive meanwhile; a failed read is not cached.
      // Promise.resolve runs the knex builder once (each then() of a builder would run it again).
      const row: Promise<TokenRow | undefined> = Promise.resolve(this.db<TokenRow>("tokens").where({ id: bearer.id }).first());
      entry = { row, readAt: now };
      const key = bearer.id;
      row.catch(() => this.cache.delete(key));
      if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, entry);
    }
    const row = await entry.row;
    if (!row || !timingSafeEqual(row.secret_hash, hashSecret(bearer.secret))) return undefined;
    return toRecord(row);
  }
}
