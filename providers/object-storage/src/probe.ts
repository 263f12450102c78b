import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ProviderError, type ProbeRequest } from "@berth/provider-sdk";
import { createS3Client, s3ErrorName, toProviderError } from "./client.js";
import { parseConnection } from "./connection.js";

const BAD_CREDENTIALS = new Set(["InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken", "InvalidClientTokenId"]);
const NO_BUCKET = new Set(["NoSuchBucket", "NotFound"]);
const FORBIDDEN = new Set(["AccessDenied", "Forbidden", "AllAccessDisabled"]);

/**
 * Lists at most one key under the URL's bucket and key prefix with the URL's
 * keys: a signed request the server must authenticate, on the bucket it names,
 * with the access the application needs to read its prefix. (HeadBucket cannot
 * tell a wrong key from a missing permission: its answers have no body.)
 */
export async function probe(request: ProbeRequest): Promise<void> {
  const connection = parseConnection(request.kind, request.connectionUrl, request.metadata);
  const client = createS3Client(connection);
  try {
    await client.send(new ListObjectsV2Command({ Bucket: connection.bucket, Prefix: connection.prefix || undefined, MaxKeys: 1 }), { abortSignal: request.signal });
  } catch (error) {
    const name = s3ErrorName(error);
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (BAD_CREDENTIALS.has(name)) throw new ProviderError("authentication_failed", "the object store rejected the access key id or secret key", { cause: error });
    if (NO_BUCKET.has(name) || status === 404) throw new ProviderError("database_missing", `bucket ${connection.bucket} does not exist`, { cause: error });
    if (FORBIDDEN.has(name) || status === 403) {
      const where = connection.prefix ? `key prefix ${connection.prefix} of bucket ${connection.bucket}` : `bucket ${connection.bucket}`;
      throw new ProviderError("permission_denied", `the access key may not list ${where}`, { cause: error });
    }
    throw toProviderError(error, `reaching bucket ${connection.bucket}`, { secrets: connection.secrets, signal: request.signal });
  } finally {
    client.destroy();
  }
}
