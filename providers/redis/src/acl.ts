import { createHash } from "node:crypto";
import { dependencyObjectName } from "@berth/provider-sdk";

/** ACL user name of a dependency ("berth_dep_7hqk2x"); throws invalid_input for a bad id. */
export function userNameFor(dependencyId: string): string {
  return dependencyObjectName(dependencyId, { maxLength: 63 });
}

/** The key prefix a dependency owns: its user name and a colon. */
export function keyPrefixFor(userName: string): string {
  return `${userName}:`;
}

/**
 * Commands a managed user may not run although `+@all -@admin -@dangerous`
 * would allow them, each because it reaches past the user's key prefix:
 */
export const DENIED_COMMANDS: ReadonlyArray<{ command: string; why: string }> = [
  { command: "select", why: "other logical databases are outside the prefix, backup and release" },
  { command: "move", why: "moves a key into another database" },
  { command: "copy", why: "COPY … DB n writes into another database" },
  { command: "randomkey", why: "returns other dependencies' key names" },
  { command: "dbsize", why: "counts every dependency's keys" },
  { command: "pubsub", why: "PUBSUB CHANNELS/NUMSUB list other dependencies' channels" },
  { command: "client|tracking", why: "BCAST mode without a prefix reports every key that changes" },
  { command: "function", why: "functions are server-wide: FUNCTION FLUSH/DELETE/LOAD affect everyone" },
  { command: "fcall", why: "functions are server-wide" },
  { command: "fcall_ro", why: "functions are server-wide" },
  { command: "script|flush", why: "empties every client's script cache" },
  { command: "script|kill", why: "kills another client's running script" },
  { command: "script|debug", why: "SYNC mode blocks the whole server" },
  { command: "memory|stats", why: "server-wide statistics" },
  { command: "memory|doctor", why: "server-wide statistics" },
  { command: "memory|malloc-stats", why: "server-wide statistics" },
  { command: "memory|purge", why: "server-wide operation" },
];

/**
 * The ACL rules of a managed dependency's user, for `ACL SETUSER <name> …`.
 * `reset` first, so a rerun replaces everything (including the old password).
 * The password goes as `#<sha256>`: the server never receives the plaintext.
 * RESTORE is in @dangerous (crafted payloads) but Berth's restore needs it;
 * `sanitize-payload` asks for deep payload checks where the server allows it
 * (`sanitize-dump-payload clients`).
 *
 * @example
 * await admin.call(["ACL", "SETUSER", name, ...aclRules(name, password)]);
 */
export function aclRules(userName: string, password: string): string[] {
  const prefix = keyPrefixFor(userName);
  return [
    "reset",
    "on",
    `#${passwordHash(password)}`,
    "sanitize-payload",
    `~${prefix}*`,
    "resetchannels",
    `&${prefix}*`,
    "+@all",
    "-@admin",
    "-@dangerous",
    "+restore",
    ...DENIED_COMMANDS.map(({ command }) => `-${command}`),
  ];
}

/** The SHA-256 hex digest Redis keeps for a password. */
export function passwordHash(password: string): string {
  return createHash("sha256").update(password).digest("hex");
}
