import { describe, expect, it } from "vitest";
import { berthRpcPaths, requestDescriptor } from "@berth/runtime";
import { AUTHORIZATION_TABLE } from "../src/access/authorization-table.js";

const rpcs = berthRpcPaths();

describe("the authorization table", () => {
  it("has an entry for every RPC in the proto descriptors, and none for RPCs that do not exist", () => {
    expect(rpcs.length).toBeGreaterThan(60);
    expect(rpcs.filter((rpc) => !AUTHORIZATION_TABLE[rpc])).toEqual([]);
    expect(Object.keys(AUTHORIZATION_TABLE).filter((rpc) => !rpcs.includes(rpc))).toEqual([]);
  });

  it("names only request fields that exist, and every internal service admits only the internal credential", () => {
    for (const [rpc, rule] of Object.entries(AUTHORIZATION_TABLE)) {
      const fields = new Set(requestDescriptor(rpc).fields.map((f) => f.name));
      for (const field of Object.keys(rule.scope.records ?? {})) expect(fields.has(field), `${rpc} names ${field}`).toBe(true);
      if (rule.scope.request) expect(fields.has("project_id") || fields.has("to_new"), rpc).toBe(true);
      expect(rpc.includes("InternalService/") === (rule.role === "internal"), rpc).toBe(true);
      // Every rule says how its scope is found.
      expect(Boolean(rule.scope.global || rule.scope.request || rule.scope.records || rule.scope.list), rpc).toBe(true);
    }
  });

  it("keeps runtime targets and tokens for admins", () => {
    for (const method of ["DeploymentService/CreateRuntimeTarget", "DeploymentService/DeleteRuntimeTarget", "AccessService/CreateToken", "AccessService/RevokeToken", "AccessService/VerifyAuditLog"]) {
      const rpc = rpcs.find((r) => r.endsWith(`.${method}`))!;
      expect(AUTHORIZATION_TABLE[rpc].role, method).toBe("admin");
    }
  });
});
