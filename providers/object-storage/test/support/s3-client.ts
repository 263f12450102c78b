import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** An S3 client from a delivered connection URL, the way an app would derive it. */
export function s3For(connectionUrl: string): S3Client {
  const url = new URL(connectionUrl);
  const tls = url.protocol !== "http:";
  const port = url.port || (tls ? "443" : "80");
  return new S3Client({
    endpoint: `${tls ? "https" : "http"}://${url.hostname}:${port}`,
    region: url.searchParams.get("region") ?? "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
}

export async function putText(connectionUrl: string, bucket: string, key: string, value: string): Promise<void> {
  const client = s3For(connectionUrl);
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: value, ContentType: "text/plain" }));
  } finally {
    client.destroy();
  }
}

/** The object's text, or undefined when the key does not exist (a missing bucket throws). */
export async function getText(connectionUrl: string, bucket: string, key: string): Promise<string | undefined> {
  const client = s3For(connectionUrl);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body!.transformToString();
  } catch (error) {
    if ((error as { name?: string }).name === "NoSuchKey") return undefined;
    throw error;
  } finally {
    client.destroy();
  }
}
