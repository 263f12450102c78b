import { z } from "zod";
import { berthConfigSchema } from "./schema.js";

/** Where the committed schema lives, relative to the @berth/deploy package. */
export const BERTH_CONFIG_SCHEMA_FILE = "schema/berth.schema.json";

type JsonObject = Record<string, unknown>;

/**
 * JSON Schema (draft-07, which YAML editors support best) of berth.yaml v1, generated from the
 * zod schema the parser uses. It checks structure and the source/name/backup
 * rules; the forbidden-content rules run only in the parser.
 */
export function berthConfigJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(berthConfigSchema, { io: "input", target: "draft-7" }) as JsonObject;
  const dependencies = (schema.properties as Record<string, JsonObject>).dependencies;
  const dependency = dependencies.additionalProperties as JsonObject;
  // Cross-field rules the zod schema leaves to the parser, stated for editors.
  dependency.if = { properties: { source: { const: "existing" } }, required: ["source"] };
  dependency.then = { required: ["name"], not: { required: ["backup"] } };
  dependency.else = { not: { required: ["name"] } };
  const { $schema, ...rest } = schema;
  return { $schema, title: "berth.yaml", $comment: "Generated from sdk/deploy/src/config/schema.ts by sdk/deploy/scripts/write-schema.mjs; do not edit.", ...rest };
}

/** The exact text of schema/berth.schema.json. */
export function renderBerthConfigJsonSchema(): string {
  return `${JSON.stringify(berthConfigJsonSchema(), null, 2)}\n`;
}
