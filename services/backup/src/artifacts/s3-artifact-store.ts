import { createHash } from "node:crypto";
import { PassThrough, Transform, type Readable } from "node:stream";
import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { ArtifactInfo, ArtifactStore, ArtifactWriter } from "./artifact-store.js";

export interface S3ArtifactStoreOptions {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://minio.internal:9000 */
  endpoint?: string;
  region: string;
  bucket: string;
  /** Key prefix, e.g. "berth/artifacts/". */
  prefix?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** MinIO, s3rver and most S3-compatible servers need path-style URLs. */
  forcePathStyle?: boolean;
}

/**
 * Artifacts in S3-compatible object storage. Multipart upload streams the
 * bytes (flat memory); the object only exists once the upload completes, so a
 * half-written artifact is never visible, and an aborted one is discarded.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
    });
  }

  private key(key: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new Error(`bad artifact key ${key}`);
    return `${this.options.prefix ?? ""}${key}`;
  }

  async writer(key: string): Promise<ArtifactWriter> {
    const hash = createHash("sha256");
    let size = 0;
    const body = new PassThrough();
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    meter.pipe(body);
    const upload = new Upload({ client: this.client, params: { Bucket: this.options.bucket, Key: this.key(key), Body: body }, queueSize: 2, partSize: 8 * 1024 * 1024 });
    const done = upload.done();
    done.catch(() => undefined);
    return {
      stream: meter,
      async commit(): Promise<ArtifactInfo> {
        await done;
        return { sizeBytes: size, sha256: hash.digest("hex") };
      },
      async abort() {
        meter.destroy();
        await upload.abort().catch(() => undefined);
      },
    };
  }

  reader(key: string): Readable {
    const out = new PassThrough();
    this.client
      .send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }))
      .then((response) => (response.Body as Readable).pipe(out))
      .catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  async checksum(key: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of this.reader(key)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
  }

  /**
   * Open multipart uploads of exactly this key (their parts are billed until aborted).
   * Needs ListMultipartUploads, which s3rver (the test server) does not implement;
   * a bucket lifecycle rule AbortIncompleteMultipartUpload is the backstop.
   */
  private async openUploads(key: string): Promise<Array<{ key: string; uploadId: string }>> {
    const objectKey = this.key(key);
    const found: Array<{ key: string; uploadId: string }> = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.options.bucket, Prefix: objectKey, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
      for (const upload of page.Uploads ?? []) if (upload.Key === objectKey && upload.UploadId) found.push({ key: upload.Key, uploadId: upload.UploadId });
      if (!page.IsTruncated) return found;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async listPartials(key: string): Promise<string[]> {
    return (await this.openUploads(key)).map((upload) => `${upload.key}#${upload.uploadId}`);
  }

  async removePartials(key: string): Promise<number> {
    const uploads = await this.openUploads(key);
    for (const upload of uploads) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.options.bucket, Key: upload.key, UploadId: upload.uploadId }));
    }
    return uploads.length;
  }
}
