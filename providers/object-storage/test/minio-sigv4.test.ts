import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorization } from "../src/minio/sigv4.js";

/**
 * Our SigV4 signer (for MinIO's admin API) must produce what the AWS SDK
 * produces for the same request. A local listener records what the SDK sends;
 * it never answers as S3 would, so nothing here stands in for a server.
 */
interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}
let captured: Captured[] = [];
const server = createServer((req, res) => {
  captured.push({ method: req.method!, url: req.url!, headers: req.headers });
  req.resume();
  req.on("end", () => {
    res.statusCode = 500;
    res.end();
  });
});
let endpoint = "";
const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "eu-central-1" };

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function captureSdk(send: (client: S3Client) => Promise<unknown>): Promise<Captured> {
  captured = [];
  const client = new S3Client({ endpoint, region: credentials.region, forcePathStyle: true, credentials, maxAttempts: 1, requestChecksumCalculation: "WHEN_REQUIRED" });
  await send(client).catch(() => undefined);
  client.destroy();
  expect(captured).toHaveLength(1);
  return captured[0];
}

function resign(request: Captured): Promise<string> {
  const auth = String(request.headers.authorization);
  const names = /SignedHeaders=([^,]+)/.exec(auth)![1].split(";");
  const headers = Object.fromEntries(names.map((name) => [name, String(request.headers[name])]));
  return authorization(request.method, new URL(request.url, endpoint), headers, credentials);
}

describe("SigV4 signing for MinIO admin requests", () => {
  it("matches the AWS SDK for a PUT with a hashed body and a key that needs encoding", async () => {
    const request = await captureSdk((c) => c.send(new PutObjectCommand({ Bucket: "bucket-a", Key: "dir/ü b+c(1)*.txt", Body: "hello" })));
    expect(await resign(request)).toBe(request.headers.authorization);
  });

  it("matches the AWS SDK for a GET whose query needs sorting and encoding", async () => {
    const request = await captureSdk((c) => c.send(new ListObjectsV2Command({ Bucket: "bucket-a", Prefix: "a b/ü=&*", StartAfter: "x!y", MaxKeys: 7 })));
    expect(request.url).toContain("?");
    expect(await resign(request)).toBe(request.headers.authorization);
  });
});
