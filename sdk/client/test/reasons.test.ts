import { status as GrpcStatus } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { ErrorReason, EXIT, exitCodeForStatus, REASON_TABLE, reasonCode, reasonMapping, reasonMappingByCode } from "@berth/client";

/** Every value of the generated ErrorReason enum (numeric members only, UNRECOGNIZED aside). */
const reasons = Object.values(ErrorReason).filter((v): v is ErrorReason => typeof v === "number" && v !== ErrorReason.UNRECOGNIZED);

describe("the reason table", () => {
  it("has a gRPC status and an exit code for every reason of the enum", () => {
    expect(reasons.length).toBeGreaterThan(40);
    const missing = reasons.filter((reason) => !Object.hasOwn(REASON_TABLE, reason)).map(reasonCode);
    expect(missing, "add these reasons to REASON_TABLE in sdk/client/src/reasons.ts").toEqual([]);
    for (const reason of reasons) {
      const row = REASON_TABLE[reason as keyof typeof REASON_TABLE];
      expect(GrpcStatus[row.code], reasonCode(reason)).toBeDefined();
      expect(Object.values(EXIT), reasonCode(reason)).toContain(row.exit);
    }
  });

  it("gives each reason the exit code its status has, so a reason-less error exits the same", () => {
    for (const reason of reasons) {
      const row = reasonMapping(reason);
      expect(row.exit, reasonCode(reason)).toBe(exitCodeForStatus(row.code));
    }
  });

  it("looks rows up by the wire form a client receives", () => {
    expect(reasonMappingByCode("dependency_not_found")).toEqual({ code: GrpcStatus.NOT_FOUND, exit: EXIT.notFound });
    expect(reasonMappingByCode("request_id_reused")).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, exit: EXIT.usage });
    expect(reasonMappingByCode("restore_acknowledgement_required")).toEqual({ code: GrpcStatus.FAILED_PRECONDITION, exit: EXIT.precondition });
    expect(reasonMappingByCode("no_such_reason")).toBeUndefined();
    expect(reasonMappingByCode("")).toBeUndefined();
    for (const reason of reasons) expect(reasonMappingByCode(reasonCode(reason))).toBe(reasonMapping(reason));
  });
});
