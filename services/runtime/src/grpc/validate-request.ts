import { readFileSync } from "node:fs";
import { createFileRegistry, fromBinary, ScalarType, type DescField, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetPath, type FieldViolation } from "@berth/client";
import { assertNoViolations, invalidArgument } from "../errors.js";
import { ruleFor, type CharClass, type FieldRule, type IntRule, type StringRule } from "./request-limits.js";

/** Checks one decoded request (ts-proto plain object) and lists what is wrong with it. */
export type RequestValidator = (request: unknown) => FieldViolation[];

type Check = (message: Record<string, unknown>, path: string, out: FieldViolation[]) => void;

/** Stop collecting after this many problems: the answer stays small whatever was sent. */
const MAX_VIOLATIONS = 20;

// Linear-time character classes (a single class, no alternation or nesting). Control
// characters are exactly what these look for.
/* eslint-disable no-control-regex */
const FORBIDDEN: Record<CharClass, RegExp> = {
  token: /[^\x21-\x7e]/,
  line: /[\x00-\x08\x0a-\x1f\x7f-\x9f]/,
  text: /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/,
};
/* eslint-enable no-control-regex */
const CLASS_WORDS: Record<CharClass, string> = {
  token: "printable ASCII without spaces",
  line: "one line of text without control characters",
  text: "text without control characters other than tab and line breaks",
};

let registry: FileRegistry | undefined;
function descriptors(): FileRegistry {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath())));
  return registry;
}

/** Every RPC of Berth's own services in the descriptor set, as paths ("/pkg.Service/Method"). */
export function berthRpcPaths(): string[] {
  const paths: string[] = [];
  for (const desc of descriptors()) {
    if (desc.kind !== "service" || !desc.typeName.startsWith("berth.")) continue;
    for (const method of desc.methods) paths.push(`/${desc.typeName}/${method.name}`);
  }
  return paths;
}

/** The request message of an RPC, by its path ("/berth.dependency.v1.DependencyService/GetDependency"). */
export function requestDescriptor(rpcPath: string): DescMessage {
  const [, serviceName, methodName] = rpcPath.split("/");
  const service = descriptors().getService(serviceName ?? "");
  const method = service?.methods.find((m) => m.name === methodName);
  if (!method) throw new Error(`no descriptor for RPC ${rpcPath}; regenerate the descriptor set (pnpm gen)`);
  return method.input;
}

/**
 * Compiles the validator of an RPC's request from the proto descriptors and the
 * declared limits. Throws at start-up when a field has no rule or a rule that
 * does not fit its type, so an undeclared field can never reach a handler unchecked.
 */
export function compileRequestValidator(rpcPath: string): RequestValidator {
  const check = compileMessage(requestDescriptor(rpcPath), new Map());
  return (request) => {
    const out: FieldViolation[] = [];
    if (request && typeof request === "object") check(request as Record<string, unknown>, "", out);
    return out.slice(0, MAX_VIOLATIONS);
  };
}

/**
 * What the server hands the edge when a request's bytes are not a valid protobuf
 * message of its type (grpc-js would otherwise answer INTERNAL for a client's mistake).
 */
export const MALFORMED_REQUEST: unique symbol = Symbol("berth.malformed-request");

/** Throws INVALID_ARGUMENT listing what is wrong, or returns. */
export function assertValidRequest(validator: RequestValidator, request: unknown): void {
  if (request === MALFORMED_REQUEST) {
    throw invalidArgument("the request is not a valid protobuf message of this RPC's request type", [{ field: "(request)", description: "could not be decoded" }]);
  }
  assertNoViolations(validator(request));
}

function compileMessage(message: DescMessage, seen: Map<string, Check>): Check {
  const known = seen.get(message.typeName);
  if (known) return known;
  const checks: Check[] = [];
  // Registered before the fields are compiled, so a recursive message terminates.
  const check: Check = (value, path, out) => {
    for (const fieldCheck of checks) {
      if (out.length >= MAX_VIOLATIONS) return;
      fieldCheck(value, path, out);
    }
  };
  seen.set(message.typeName, check);
  for (const field of message.fields) checks.push(compileField(message, field, seen));
  return check;
}

function compileField(message: DescMessage, field: DescField, seen: Map<string, Check>): Check {
  const key = field.jsonName;
  const at = (path: string) => (path ? `${path}.${field.name}` : field.name);
  const rule = ruleFor(message.typeName, field.name);
  const where = `${message.typeName}.${field.name}`;
  const mismatch = (expected: string) =>
    new Error(`request field ${where} needs a ${expected} rule in services/runtime/src/grpc/request-limits.ts (found ${rule ? rule.type : "none"})`);

  switch (field.fieldKind) {
    case "scalar": {
      if (field.scalar === ScalarType.BOOL) return () => undefined;
      if (field.scalar === ScalarType.STRING) {
        if (rule?.type !== "string") throw mismatch("string");
        return (value, path, out) => checkString(value[key], rule, at(path), out);
      }
      if (isInteger(field.scalar)) {
        if (rule?.type !== "int") throw mismatch("int");
        return (value, path, out) => checkInt(value[key], rule, at(path), out);
      }
      throw new Error(`request field ${where} has a scalar type the edge does not bound yet`);
    }
    case "enum": {
      const declared = new Set(field.enum.values.map((v) => v.number));
      const enumName = field.enum.name;
      return (value, path, out) => {
        const v = value[key];
        if (v !== undefined && !declared.has(v as number)) out.push({ field: at(path), description: `is not a declared ${enumName} value` });
      };
    }
    case "message": {
      const nested = compileMessage(field.message, seen);
      return (value, path, out) => {
        const v = value[key];
        if (v && typeof v === "object") nested(v as Record<string, unknown>, at(path), out);
      };
    }
    case "list": {
      if (rule?.type !== "list") throw mismatch("list");
      if (field.listKind === "message" || field.listKind === "enum") throw new Error(`request field ${where}: repeated messages and enums are not bounded yet`);
      return (value, path, out) => {
        const items = value[key];
        if (!Array.isArray(items)) return;
        if (items.length > rule.maxItems) {
          out.push({ field: at(path), description: `has ${items.length} items; at most ${rule.maxItems}` });
          return;
        }
        items.forEach((item, index) => {
          if (out.length >= MAX_VIOLATIONS) return;
          if (rule.item.type === "string") checkString(item, rule.item, `${at(path)}[${index}]`, out);
          else checkInt(item, rule.item, `${at(path)}[${index}]`, out);
        });
      };
    }
    case "map": {
      if (rule?.type !== "map") throw mismatch("map");
      if (field.mapKind !== "scalar" || field.scalar !== ScalarType.STRING) throw new Error(`request field ${where}: only string maps are bounded yet`);
      return (value, path, out) => {
        const map = value[key];
        if (!map || typeof map !== "object") return;
        const entries = Object.entries(map as Record<string, unknown>);
        if (entries.length > rule.maxEntries) {
          out.push({ field: at(path), description: `has ${entries.length} entries; at most ${rule.maxEntries}` });
          return;
        }
        for (const [k, v] of entries) {
          if (out.length >= MAX_VIOLATIONS) return;
          const before = out.length;
          checkString(k, rule.key, `${at(path)} key`, out);
          // Name the entry only once its key is known to be short and printable.
          checkString(v, rule.value, out.length === before ? `${at(path)}[${k}]` : `${at(path)} value`, out);
        }
      };
    }
  }
}

function isInteger(scalar: ScalarType): boolean {
  return [ScalarType.INT32, ScalarType.UINT32, ScalarType.SINT32, ScalarType.FIXED32, ScalarType.SFIXED32].includes(scalar);
}

/** Says what is wrong without echoing the value (it may be huge or hold a secret). */
function checkString(value: unknown, rule: StringRule, field: string, out: FieldViolation[]): void {
  if (typeof value !== "string" || value.length === 0) return;
  if (value.length > rule.max) {
    out.push({ field, description: `is ${value.length} characters long; at most ${rule.max}` });
    return;
  }
  const bad = FORBIDDEN[rule.chars].exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    out.push({ field, description: `holds U+${code} at position ${bad.index}; must be ${CLASS_WORDS[rule.chars]}` });
  }
}

function checkInt(value: unknown, rule: IntRule, field: string, out: FieldViolation[]): void {
  if (typeof value !== "number") return;
  if (!Number.isInteger(value) || value < rule.min || value > rule.max) out.push({ field, description: `must be between ${rule.min} and ${rule.max}` });
}

/** For tests: every rule a request field resolves to, by full field name. */
export function declaredRules(rpcPaths: string[]): Map<string, FieldRule | undefined> {
  const rules = new Map<string, FieldRule | undefined>();
  const visit = (message: DescMessage) => {
    for (const field of message.fields) {
      const name = `${message.typeName}.${field.name}`;
      if (rules.has(name)) continue;
      rules.set(name, ruleFor(message.typeName, field.name));
      if (field.fieldKind === "message") visit(field.message);
    }
  };
  for (const path of rpcPaths) visit(requestDescriptor(path));
  return rules;
}
