import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import Account from "s3rver/lib/models/account.js";

/** A realization target for the tests: an operator's server, or a private s3rver. */
export interface S3TestTarget {
  adminUrl: string;
  /** Whether the target keeps dependencies apart (false for isolation=none). */
  isIsolating: boolean;
  /** "s3rver 3.7.1 (in-process)" or "BERTH_TEST_S3_URL". */
  description: string;
  stop(): Promise<void>;
}

/**
 * BERTH_TEST_S3_URL names a real server's admin URL (e.g.
 * http://KEY:SECRET@127.0.0.1:9000/?region=us-east-1&isolation=none). Without it
 * the tests start s3rver in-process on a free port with a temp directory, and
 * register an access key with a random secret so secrets are distinguishable
 * from key ids in masking checks. s3rver checks that the key id exists but does
 * not verify SigV4 signatures, so a wrong secret is not refused there.
 */
export async function startS3Target(): Promise<S3TestTarget> {
  const external = process.env.BERTH_TEST_S3_URL;
  if (external) {
    return {
      adminUrl: external,
      isIsolating: new URL(external).searchParams.get("isolation") !== "none",
      description: "BERTH_TEST_S3_URL",
      stop: async () => undefined,
    };
  }
  const directory = await mkdtemp(join(tmpdir(), "berth-s3rver-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
  const { port } = await server.run();
  const accessKeyId = `BERTHTEST${randomBytes(4).toString("hex").toUpperCase()}`;
  const secret = randomBytes(24).toString("base64url");
  Account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secret);
  return {
    adminUrl: `http://${accessKeyId}:${secret}@127.0.0.1:${port}/?region=us-east-1&isolation=none`,
    isIsolating: false,
    description: "s3rver 3.7.1 (in-process)",
    stop: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
