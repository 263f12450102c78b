import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDeployment } from "../support/berth-server.js";
import { runCli, type ServerProcess } from "../support/server-process.js";

const dir = mkdtempSync(join(tmpdir(), "berth-tls-"));
const deployment = testDeployment();
let server: ServerProcess;

/** A private CA and a server certificate for 127.0.0.1, made with openssl as an operator would. */
function makeCertificates(): { ca: string; cert: string; key: string } {
  const file = (name: string) => join(dir, name);
  const run = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=berth-test-ca", "-keyout", file("ca.key"), "-out", file("ca.pem")]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", file("server.key"), "-out", file("server.csr")]);
  execFileSync("sh", ["-c", `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > ${file("san.ext")}`]);
  run(["x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial", "-days", "1", "-extfile", file("san.ext"), "-out", file("server.pem")]);
  return { ca: file("ca.pem"), cert: file("server.pem"), key: file("server.key") };
}

beforeAll(async () => {
  const certs = makeCertificates();
  server = await deployment.start({ tls: { certFile: certs.cert, keyFile: certs.key, caFile: certs.ca } });
});
afterAll(async () => {
  await server?.stop();
  await deployment.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe("gRPC over TLS", () => {
  it("serves the CLI over TLS, services call each other over TLS, and a plaintext client is refused", async () => {
    const env = { BERTH_API: server.address, BERTH_TOKEN: deployment.secrets.adminToken, BERTH_HOME: "/nonexistent-berth-home", BERTH_CA_FILE: join(dir, "ca.pem") };
    const imported = await runCli(["dependency", "import", "--kind", "redis", "--project", "prj_tls", "--environment", "env_a", "--name", "cache", "--connection-url", "redis://cache.internal:6379/0", "-o", "json"], env);
    expect(imported.code, imported.stderr).toBe(0);
    const dep = JSON.parse(imported.stdout) as { id: string };
    const resource = JSON.parse((await runCli(["resource", "create", "--project", "prj_tls", "--environment", "env_a", "--name", "web", "--command", "true", "-o", "json"], env)).stdout) as { id: string };
    // Bind makes the binding service call the dependency service: a peer call over TLS.
    const bound = await runCli(["resource", "dependency", "bind", resource.id, "--dependency", dep.id, "--target", "REDIS_URL"], env);
    expect(bound.code, bound.stderr).toBe(0);

    const plaintext = await runCli(["dependency", "list"], { ...env, BERTH_CA_FILE: "" });
    expect(plaintext.code).toBe(7);
  });
});
