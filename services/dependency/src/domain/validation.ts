import type { FieldViolation } from "@berth/client";

const PROJECT = /^prj_[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const ENVIRONMENT = /^env_[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const NAME = /^[a-z][a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$/;
const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Field violations for the scope and name every create carries. */
export function scopeViolations(input: { projectId: string; environmentId: string; name: string; kind: string; requestId: string }): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!PROJECT.test(input.projectId)) violations.push({ field: "project_id", description: 'must look like "prj_prod" (prj_ then letters, digits, - or _)' });
  if (!ENVIRONMENT.test(input.environmentId)) violations.push({ field: "environment_id", description: 'must look like "env_prod" (env_ then letters, digits, - or _)' });
  if (!NAME.test(input.name)) violations.push({ field: "name", description: "must be 1-63 lowercase letters, digits or -, starting with a letter" });
  if (!input.kind) violations.push({ field: "kind", description: "is required" });
  if (input.requestId && !REQUEST_ID.test(input.requestId)) violations.push({ field: "request_id", description: "must be 1-128 characters of letters, digits, _ . : -" });
  return violations;
}
