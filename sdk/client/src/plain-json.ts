import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { DescEnum, DescField, DescMessage, FileRegistry } from "@bufbuild/protobuf";
import { descriptorSetPath } from "./descriptors.js";

/**
 * Berth's plain JSON shape of an API message — what `berth … -o json` prints:
 *
 * - every declared field is present, in declaration order: `false`, `0` and `""` too; an unset
 *   message or proto3 `optional` field is `null`; an empty list is `[]`, an empty map `{}`;
 * - field names are the proto3 JSON names (lowerCamelCase), int64 values are decimal strings, times
 *   are RFC 3339 strings — as in the proto3 JSON mapping;
 * - an enum is the lower-case word the CLI's tables print: the type's prefix is dropped and words join
 *   with `-` (`DEPENDENCY_STATUS_READY` → `ready`, `RUNTIME_INJECTION_STATE_NOT_APPLICABLE` →
 *   `not-applicable`), except reason enums, which keep `_` like every other reason code
 *   (`INJECTION_BLOCKED_REASON_DEPENDENCY_NOT_READY` → `dependency_not_ready`). The zero value is
 *   `unspecified` (`unclassified` for a data class, `unverified` for a connection verification).
 *
 * @example plainJson("berth.dependency.v1.Dependency", dependency).status // "ready"
 */
export function plainJson(typeName: string, message: object): Record<string, unknown> {
  return messageJson(messageDescriptor(typeName), message as Record<string, unknown>);
}

/**
 * The plain-JSON word of one enum value (see {@link plainJson}).
 * @example enumWord("berth.backup.v1.DataReadinessVerdict", 2) // "at-risk"
 */
export function enumWord(enumTypeName: string, value: number): string {
  const descriptor = registry().getEnum(enumTypeName);
  if (!descriptor) throw new Error(`unknown enum type ${enumTypeName}`);
  return wordOf(descriptor, value);
}

/** Zero values whose table word is not "unspecified". */
const ZERO_WORDS: Record<string, string> = { "berth.dependency.v1.DataClass": "unclassified", "berth.dependency.v1.ConnectionVerification": "unverified" };

let loaded: FileRegistry | undefined;

// Loaded on first use only: a table-printing CLI call never pays for the descriptor set.
function registry(): FileRegistry {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const protobuf = require("@bufbuild/protobuf") as typeof import("@bufbuild/protobuf");
  const wkt = require("@bufbuild/protobuf/wkt") as typeof import("@bufbuild/protobuf/wkt");
  const set = protobuf.fromBinary(wkt.FileDescriptorSetSchema, readFileSync(descriptorSetPath()));
  loaded = protobuf.createFileRegistry(set);
  return loaded;
}

function messageDescriptor(typeName: string): DescMessage {
  const descriptor = registry().getMessage(typeName);
  if (!descriptor) throw new Error(`unknown message type ${typeName}`);
  return descriptor;
}

function wordOf(descriptor: DescEnum, value: number): string {
  const known = descriptor.values.find((v) => v.number === value);
  if (!known) return String(value);
  if (value === 0) return ZERO_WORDS[descriptor.typeName] ?? "unspecified";
  const prefix = `${descriptor.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}_`;
  const word = (known.name.startsWith(prefix) ? known.name.slice(prefix.length) : known.name).toLowerCase();
  return descriptor.name.endsWith("Reason") ? word : word.replaceAll("_", "-");
}

function messageJson(descriptor: DescMessage, message: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of descriptor.fields) out[field.jsonName] = fieldJson(field, message[field.jsonName]);
  return out;
}

function fieldJson(field: DescField, value: unknown): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return value === undefined ? null : scalarJson(value);
    case "enum":
      return value === undefined ? null : wordOf(field.enum, value as number);
    case "message":
      return value === undefined || value === null ? null : nestedJson(field.message, value);
    case "list": {
      const items = (value as unknown[] | undefined) ?? [];
      if (field.listKind === "enum") return items.map((v) => wordOf(field.enum, v as number));
      if (field.listKind === "message") return items.map((v) => nestedJson(field.message, v));
      return items.map(scalarJson);
    }
    case "map": {
      const entries = Object.entries((value as Record<string, unknown> | undefined) ?? {});
      if (field.mapKind === "enum") return Object.fromEntries(entries.map(([k, v]) => [k, wordOf(field.enum, v as number)]));
      if (field.mapKind === "message") return Object.fromEntries(entries.map(([k, v]) => [k, nestedJson(field.message, v)]));
      return Object.fromEntries(entries.map(([k, v]) => [k, scalarJson(v)]));
    }
  }
}

// ts-proto (useDate=string) already holds a Timestamp as its RFC 3339 string.
function nestedJson(descriptor: DescMessage, value: unknown): unknown {
  if (descriptor.typeName === "google.protobuf.Timestamp") return value;
  return messageJson(descriptor, value as Record<string, unknown>);
}

function scalarJson(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
}
