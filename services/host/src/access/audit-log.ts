import { createHmac, timingSafeEqual } from "node:crypto";
import { newId, recordEvent, type Keyring, type Knex } from "@berth/runtime";

/** One audit entry as written: who, what, where, outcome. Never request payload values. */
export interface AuditEntry {
  tokenId: string;
  tokenName: string;
  method: string;
  projectId: string;
  environmentId: string;
  targetIds: string[];
  requestId: string;
  /** "attempt": written before a mutation runs; "outcome": after; "denied": refused at the edge. */
  phase: "attempt" | "outcome" | "denied";
  /** gRPC status name: "OK", "PERMISSION_DENIED", … */
  code: string;
  reason: string;
  peer: string;
}

export interface AuditRecordRow extends AuditEntry {
  seq: string;
  id: string;
  at: string;
  keyId: string;
  prevMac: string;
  mac: string;
}

interface Row {
  seq: string;
  id: string;
  at: string;
  token_id: string;
  token_name: string;
  method: string;
  project_id: string;
  environment_id: string;
  target_ids: string[];
  request_id: string;
  phase: AuditEntry["phase"];
  code: string;
  reason: string;
  peer: string;
  key_id: string;
  prev_mac: string;
  mac: string;
}

export interface ChainProblem {
  seq: string;
  /** "modified": a record's content (or position) no longer matches its MAC; "missing_before": records before it were removed or moved. */
  problem: "modified" | "missing_before";
}

/** Key purpose for the chain's HMAC (HKDF info); the master key itself is never used directly. */
const CHAIN_PURPOSE = "berth audit chain v1";
/** The one advisory lock of the chain: appends are serialized, so seq and prev_mac stay consecutive under concurrent writers. */
const CHAIN_LOCK = 0x62657274_6175; // "bert" "au"
const GENESIS = "genesis";

function canonical(row: Omit<Row, "mac">): string {
  return JSON.stringify([
    row.seq,
    row.id,
    row.at,
    row.token_id,
    row.token_name,
    row.method,
    row.project_id,
    row.environment_id,
    row.target_ids,
    row.request_id,
    row.phase,
    row.code,
    row.reason,
    row.peer,
    row.key_id,
    row.prev_mac,
  ]);
}

function present(row: Row): AuditRecordRow {
  return {
    seq: String(row.seq),
    id: row.id,
    at: row.at,
    tokenId: row.token_id,
    tokenName: row.token_name,
    method: row.method,
    projectId: row.project_id,
    environmentId: row.environment_id,
    targetIds: row.target_ids,
    requestId: row.request_id,
    phase: row.phase,
    code: row.code,
    reason: row.reason,
    peer: row.peer,
    keyId: row.key_id,
    prevMac: row.prev_mac,
    mac: row.mac,
  };
}

/**
 * The tamper-evident audit log: each record carries HMAC(key, previous MAC ‖ record),
 * keyed from the master key, so a changed, removed or reordered row shows in `verify`.
 * Each record is also published as an event (outbox, same transaction).
 */
export class AuditLog {
  constructor(
    private readonly db: Knex,
    private readonly keyring: Keyring,
  ) {}

  private mac(keyId: string, row: Omit<Row, "mac">): string {
    return createHmac("sha256", this.keyring.deriveKey(CHAIN_PURPOSE, keyId).key).update(canonical(row)).digest("base64url");
  }

  /** Appends one record; throws when it cannot be written (callers fail closed). */
  async append(entry: AuditEntry): Promise<AuditRecordRow> {
    return this.db.transaction(async (trx) => {
      await trx.raw("SELECT pg_advisory_xact_lock(?)", [CHAIN_LOCK]);
      const last = await trx<Row>("audit_records").orderBy("seq", "desc").first("seq", "mac");
      const keyId = this.keyring.deriveKey(CHAIN_PURPOSE).keyId;
      const unsigned: Omit<Row, "mac"> = {
        seq: String(last ? BigInt(last.seq) + 1n : 1n),
        id: newId("aud"),
        at: new Date().toISOString(),
        token_id: entry.tokenId,
        token_name: entry.tokenName,
        method: entry.method,
        project_id: entry.projectId,
        environment_id: entry.environmentId,
        target_ids: entry.targetIds,
        request_id: entry.requestId,
        phase: entry.phase,
        code: entry.code,
        reason: entry.reason,
        peer: entry.peer,
        key_id: keyId,
        prev_mac: last?.mac ?? GENESIS,
      };
      const row: Row = { ...unsigned, mac: this.mac(keyId, unsigned) };
      await trx("audit_records").insert({ ...row, target_ids: JSON.stringify(row.target_ids) });
      const record = present(row);
      const { prevMac: _prev, keyId: _key, ...safe } = record;
      await recordEvent(trx, "access.audit.recorded", { ...safe });
      return record;
    });
  }

  /** Newest first, filtered; `beforeSeq` pages. */
  async list(filter: { projectId?: string; since?: string; actor?: string; target?: string; beforeSeq?: string; limit: number }): Promise<AuditRecordRow[]> {
    const query = this.db<Row>("audit_records").orderBy("seq", "desc").limit(filter.limit);
    if (filter.projectId) void query.where({ project_id: filter.projectId });
    if (filter.since) void query.where("at", ">=", filter.since);
    if (filter.actor) void query.where((q) => q.where({ token_id: filter.actor }).orWhere({ token_name: filter.actor }));
    if (filter.target) void query.whereRaw("target_ids @> ?::jsonb", [JSON.stringify([filter.target])]);
    if (filter.beforeSeq) void query.where("seq", "<", filter.beforeSeq);
    return (await query).map(present);
  }

  /** Walks the whole chain in order and lists every place it no longer holds. */
  async verify(): Promise<{ checked: number; problems: ChainProblem[] }> {
    const problems: ChainProblem[] = [];
    let expectedSeq = 1n;
    let prevMac = GENESIS;
    let checked = 0;
    for (;;) {
      const rows = await this.db<Row>("audit_records").where("seq", ">=", String(expectedSeq)).orderBy("seq", "asc").limit(1000);
      if (rows.length === 0) break;
      for (const row of rows) {
        checked += 1;
        const seq = BigInt(row.seq);
        if (seq !== expectedSeq || row.prev_mac !== prevMac) problems.push({ seq: String(seq), problem: "missing_before" });
        const { mac, ...unsigned } = row;
        const expected = Buffer.from(this.macOrEmpty(row.key_id, unsigned));
        const actual = Buffer.from(mac);
        if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) problems.push({ seq: String(seq), problem: "modified" });
        prevMac = mac;
        expectedSeq = seq + 1n;
      }
    }
    return { checked, problems };
  }

  /** A record signed with a key no longer configured cannot be checked: it counts as modified. */
  private macOrEmpty(keyId: string, row: Omit<Row, "mac">): string {
    try {
      return this.mac(keyId, { ...row, seq: String(row.seq) });
    } catch {
      return "";
    }
  }
}
