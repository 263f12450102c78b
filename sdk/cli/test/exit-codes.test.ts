import { status as GrpcStatus } from "@grpc/grpc-js";
import { BerthApiError, EXIT } from "@berth/client";
import { describe, expect, it } from "vitest";
import { CLI_REASONS, exitCodeFor, exitCodeForReason } from "../src/exit-codes.js";
import { CliError } from "../src/output.js";

const apiError = (code: GrpcStatus, reason: string) => new BerthApiError({ code, reason, message: "m", metadata: {}, fieldViolations: [] });

describe("exit codes", () => {
  it("come from the reason, whatever raised it: the server, the CLI or a berth.yaml deploy", () => {
    expect(exitCodeFor(apiError(GrpcStatus.NOT_FOUND, "backup_not_found"))).toBe(EXIT.notFound);
    expect(exitCodeFor(new CliError("no backup to seed from", "backup_not_found"))).toBe(EXIT.notFound);
    const deployError = Object.assign(new Error("x"), { name: "DeployError", reason: "config_conflict" });
    expect(exitCodeFor(deployError)).toBe(EXIT.precondition);
    expect(new CliError("x", "dependency_runtime_injection_blocked").exitCode).toBe(EXIT.precondition);
  });

  it("fall back to the gRPC status for a reason this CLI does not know, and to usage for an unknown CLI reason", () => {
    expect(exitCodeFor(apiError(GrpcStatus.UNAVAILABLE, "unavailable"))).toBe(EXIT.unavailable);
    expect(exitCodeFor(apiError(GrpcStatus.DEADLINE_EXCEEDED, "deadline_exceeded"))).toBe(EXIT.unavailable);
    expect(exitCodeFor(apiError(GrpcStatus.ALREADY_EXISTS, "a_reason_from_a_newer_server"))).toBe(EXIT.conflict);
    expect(exitCodeFor(apiError(GrpcStatus.FAILED_PRECONDITION, ""))).toBe(EXIT.precondition);
    expect(new CliError("x", "something_new").exitCode).toBe(EXIT.usage);
    // The older third argument is ignored: the reason decides.
    expect(new CliError("x", "dependency_not_found", EXIT.failed).exitCode).toBe(EXIT.notFound);
    expect(exitCodeFor(new Error("boom"))).toBe(EXIT.failed);
  });

  it("name each CLI-only reason once", () => {
    expect(exitCodeForReason("token_not_configured")).toBe(EXIT.auth);
    expect(exitCodeForReason("server_not_configured")).toBe(EXIT.unavailable);
    expect(exitCodeForReason("dev_server_running")).toBe(EXIT.conflict);
    for (const [reason, exit] of Object.entries(CLI_REASONS)) expect(new CliError("x", reason).exitCode).toBe(exit);
  });
});
