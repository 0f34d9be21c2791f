import { createReadStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { checkKey, type FileStorage } from "./storage.ts";

export interface S3Options {
  /** An S3-compatible endpoint (MinIO, R2, s3rver…); unset: AWS itself. */
  endpoint: string | null;
  bucket: string;
  region: string;
  /** Unset: the SDK's own chain (AWS_* variables, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | null;
  /** Path-style URLs (`endpoint/bucket/key`), as most S3-compatible servers want. */
  forcePathStyle: boolean;
  /** Local directory upload bodies are spooled to before they are sent whole. */
  spoolDir: string;
}

const missing = (err: unknown) =>
  err instanceof S3ServiceException && (err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata.httpStatusCode === 404);

/**
 * S3-compatible object storage, for several nodes sharing files. A body is
 * spooled locally first and sent with its length (a PUT is atomic: the
 * object appears whole or not at all), so a slow or killed upload never
 * leaves a partial object and memory stays flat whatever the file's size.
 */
export async function openS3Storage(o: S3Options): Promise<FileStorage> {
  await mkdir(o.spoolDir, { recursive: true, mode: 0o700 });
  const client = new S3Client({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    forcePathStyle: o.forcePathStyle,
    // Checksums only where the API requires them: S3-compatible servers differ in which newer ones they know.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const Bucket = o.bucket;
  return {
    kind: "s3",
    spoolDir: o.spoolDir,
    async putFile(key, path, size, contentType) {
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: checkKey(key), Body: createReadStream(path), ContentLength: size, ContentType: contentType }));
      } finally {
        await rm(path, { force: true });
      }
    },
    async putBuffer(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket, Key: checkKey(key), Body: body, ContentLength: body.length, ContentType: contentType }));
    },
    async get(key, range) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        const body = r.Body;
        if (body instanceof Readable) return body;
        if (body === undefined) return Readable.from([]);
        return Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0]);
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async size(key) {
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket, Key: checkKey(key) }));
        return r.ContentLength ?? 0;
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async delete(keys) {
      // One call per key: DeleteObjects needs a Content-MD5 some S3-compatible servers check differently.
      await Promise.all(keys.map((k) => client.send(new DeleteObjectCommand({ Bucket, Key: checkKey(k) }))));
    },
    async *list() {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, ContinuationToken: token }));
        for (const c of page.Contents ?? []) if (c.Key !== undefined) yield { key: c.Key, size: c.Size ?? 0 };
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async close() {
      client.destroy();
    },
  };
}
