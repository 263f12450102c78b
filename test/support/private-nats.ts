import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, reachable } from "./net.js";

const NATS_SERVER = process.env.BERTH_TEST_NATS_SERVER_BIN ?? "nats-server";

/**
 * A NATS JetStream server of the test's own (the real nats-server binary), so a
 * test can take the broker down and bring it back without disturbing others.
 */
export class PrivateNats {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    private readonly storeDir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort(), mkdtempSync(join(tmpdir(), "berth-nats-")));
    await nats.up();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.storeDir], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await reachable("127.0.0.1", this.port)) return;
      await sleep(100);
    }
    throw new Error(`nats-server did not start on port ${this.port} (is ${NATS_SERVER} installed?)`);
  }

  async down(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
