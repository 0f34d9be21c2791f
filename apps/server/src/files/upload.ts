import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { bytesUsed, recordUpload, type Services, UploadQuotaExceeded } from "@parley/api";
import busboy from "busboy";
import { describeImage, sniffType } from "./inspect.ts";
import { type FileStorage, spoolPath } from "./storage.ts";

/** Why an upload was refused: an HTTP status and a short machine-readable code. */
export class UploadRefusal extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadLimits {
  maxUploadBytes: number;
  quotaBytes: number | null;
  maxImagePixels: number;
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
}

const tooLarge = (limit: number) => new UploadRefusal(413, "too_large", `Files may be at most ${limit} bytes`);
const overQuota = () => new UploadRefusal(413, "quota_exceeded", "Your upload quota is used up: delete files to make room");

/**
 * 128 random bits: ids are unguessable, and double as storage keys. Never starting with "-": one id in
 * 64 did, and a command line reads `parley download -Ab…` as options (CI failed on it twice).
 */
export function newFileId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * The name as shown and offered on download: its last path component, no
 * control or bidi-control characters (they can disguise `exe.jpg` as
 * `gpj.exe`), at most 200 characters with the extension kept.
 */
export function cleanName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  let name = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, "").replace(/\s+/g, " ").trim();
  const chars = [...name];
  if (chars.length > 200) {
    const dot = name.lastIndexOf(".");
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
    name = chars.slice(0, 200 - [...ext].length).join("") + ext;
  }
  return name === "" || name === "." || name === ".." ? "file" : name;
}

function headerName(req: IncomingMessage): string {
  const raw = req.headers["x-filename"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return "file";
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Counts bytes through, and fails the stream as soon as there are more than `limit`: nothing past it is read. */
function capped(limit: number, onLimit: () => Error) {
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limit) done(onLimit());
      else done(null, chunk);
    },
  });
  return { stream: t, size: () => size };
}

/** Writes `body` to a new spool file; on any failure (a cap, a client gone) the partial file is removed. */
async function spool(storage: FileStorage, body: Readable, limit: number, onLimit: () => Error): Promise<{ path: string; size: number }> {
  const path = spoolPath(storage);
  const cap = capped(limit, onLimit);
  try {
    await pipeline(body, cap.stream, createWriteStream(path, { flags: "wx", mode: 0o600 }));
    return { path, size: cap.size() };
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
}

/** The body of a multipart request's first file part, and its name; any other part is skipped. */
function multipartFile(req: IncomingMessage, limit: number): Promise<{ body: Readable; name: string }> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096, parts: 30, fileSize: limit + 1 } });
    } catch {
      reject(new UploadRefusal(400, "bad_multipart", "Not a multipart body busboy can read"));
      return;
    }
    let found = false;
    bb.on("file", (_field, stream, info) => {
      found = true;
      resolve({ body: stream, name: info.filename ?? "file" });
    });
    bb.on("error", (err) => reject(found ? err : new UploadRefusal(400, "bad_multipart", "Malformed multipart body")));
    bb.on("close", () => {
      if (!found) reject(new UploadRefusal(400, "no_file", "The multipart body has no file part"));
    });
    req.pipe(bb);
  });
}

/**
 * `POST /files`: streams the body (multipart, or raw with `X-Filename`) to a
 * spool file, refusing at once what cannot fit (Content-Length past the
 * size limit or the quota) and stopping at the first byte past it
 * otherwise. The type is sniffed from the bytes; images are measured
 * (and refused past the pixel limit) and have their metadata stripped
 * (inspect.ts). The bytes go into storage whole, then the row is written.
 */
export async function receiveUpload(svc: Services, storage: FileStorage, limits: UploadLimits, uploaderId: number, req: IncomingMessage): Promise<UploadedFile> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limits.maxUploadBytes + (isMultipart(req) ? 64 * 1024 : 0)) throw tooLarge(limits.maxUploadBytes);
  let limit = limits.maxUploadBytes;
  let quotaBound = false;
  if (limits.quotaBytes !== null) {
    const room = limits.quotaBytes - (await bytesUsed(svc.db, uploaderId));
    if (room <= 0 || (Number.isFinite(declared) && declared > room && !isMultipart(req))) throw overQuota();
    if (room < limit) {
      limit = room;
      quotaBound = true;
    }
  }
  const onLimit = () => (quotaBound ? overQuota() : tooLarge(limits.maxUploadBytes));
  const source = isMultipart(req) ? await multipartFile(req, limit) : { body: req, name: headerName(req) };
  const spooled = await spool(storage, source.body, limit, onLimit);
  let path = spooled.path;
  try {
    const sniffed = await sniffType(path);
    const image = await describeImage(path, sniffed, limits.maxImagePixels);
    if (image === "too_many_pixels") throw new UploadRefusal(413, "too_many_pixels", `Images may have at most ${limits.maxImagePixels} pixels`);
    path = image?.path ?? path;
    const size = image?.size ?? spooled.size;
    const contentType = image === null ? sniffed : image.contentType;
    const id = newFileId();
    const name = cleanName(source.name);
    await storage.putFile(id, path, size, contentType);
    const upload = { id, name, size, contentType, width: image?.width ?? null, height: image?.height ?? null };
    try {
      await recordUpload(svc.writes, uploaderId, upload, limits.quotaBytes);
    } catch (err) {
      await storage.delete([id]);
      if (err instanceof UploadQuotaExceeded) throw overQuota();
      throw err;
    }
    return { id, name, size, contentType, ...(upload.width !== null && upload.height !== null ? { width: upload.width, height: upload.height } : {}) };
  } finally {
    await rm(spooled.path, { force: true });
    if (path !== spooled.path) await rm(path, { force: true });
  }
}

const isMultipart = (req: IncomingMessage) => /^multipart\/form-data\b/i.test(req.headers["content-type"] ?? "");
