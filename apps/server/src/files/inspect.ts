import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, open, rm, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { THUMBNAILED_TYPES } from "@parley/api";
import { fileTypeFromFile } from "file-type";
import { loadSharp, type Metadata } from "./sharp.ts";

/**
 * What an upload is, from its bytes alone (the client's Content-Type and
 * file name are never believed), and images made safe to share: measured,
 * refused past the pixel limit, and stripped of EXIF/XMP/IPTC (GPS
 * positions, camera serials) before they are stored. sharp works on
 * libuv's threadpool: the event loop, and with it every send and delivery,
 * does not wait for it.
 */

/** The sniffed type: a known binary format, else UTF-8 text, else opaque bytes. */
export async function sniffType(path: string): Promise<string> {
  const found = await fileTypeFromFile(path);
  if (found) return found.mime;
  const fh = await open(path);
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return looksLikeText(head.subarray(0, bytesRead)) ? "text/plain" : "application/octet-stream";
  } finally {
    await fh.close();
  }
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    // A multi-byte character cut at the end of the sample is not a reason to say "binary".
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 3)));
    return true;
  } catch {
    return false;
  }
}

export interface ImageInfo {
  contentType: string;
  /** null for bytes that sniffed as an image but do not decode. */
  width: number | null;
  height: number | null;
  /** Set when the bytes were rewritten (metadata stripped): the new spool file and its size. */
  path?: string;
  size?: number;
}

/**
 * null: not an image we show. "too_many_pixels": a decompression bomb, or
 * just too big to decode safely. Otherwise its size as displayed (EXIF
 * orientation applied), and a clean copy if it carried metadata. An image
 * sharp cannot read is stored as opaque bytes (`application/octet-stream`).
 */
export async function describeImage(path: string, contentType: string, maxPixels: number): Promise<ImageInfo | "too_many_pixels" | null> {
  if (!THUMBNAILED_TYPES.has(contentType)) return null;
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // Reads the header only: a bomb is measured, not decoded.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    return { contentType: "application/octet-stream", width: null, height: null };
  }
  const w = meta.width ?? 0;
  const h = meta.pageHeight ?? meta.height ?? 0;
  if (w * h > maxPixels || w * (meta.height ?? 0) > maxPixels * 4) return "too_many_pixels";
  const rotated = (meta.orientation ?? 1) >= 5;
  const info: ImageInfo = { contentType, width: rotated ? h : w, height: rotated ? w : h };
  const clean = await stripMetadata(path, contentType, meta, maxPixels);
  return clean ? { ...info, ...clean } : info;
}

async function stripMetadata(path: string, type: string, meta: Metadata, maxPixels: number): Promise<{ path: string; size: number } | null> {
  const out = `${path}.clean`;
  const oriented = (meta.orientation ?? 1) > 1;
  if (type === "image/jpeg" && !oriented) {
    const ranges = await jpegWithoutMetadata(path);
    return ranges ? copyRanges(path, out, ranges) : null;
  }
  if (type === "image/png") {
    const ranges = await pngWithoutMetadata(path);
    return ranges ? copyRanges(path, out, ranges) : null;
  }
  if (!oriented && !meta.exif && !meta.xmp && !meta.iptc) return null;
  const sharp = await loadSharp();
  // A rotation to apply, or metadata in a format without a lossless way to drop it: re-encode (sharp writes no metadata unless asked).
  const img = sharp(path, { limitInputPixels: maxPixels, animated: type !== "image/jpeg" }).rotate().keepIccProfile();
  const encoded =
    type === "image/jpeg"
      ? img.jpeg({ quality: 92 })
      : type === "image/webp"
        ? img.webp({ quality: 90 })
        : type === "image/avif"
          ? img.avif({ quality: 70 })
          : type === "image/gif"
            ? img.gif()
            : img.png();
  await encoded.toFile(out);
  return { path: out, size: (await stat(out)).size };
}

type Range = [start: number, end: number];

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, pos);
  return b.subarray(0, bytesRead);
}

/** Byte ranges of a JPEG without its APP1 (EXIF, XMP), APP3–APP13/APP15 (IPTC…) and comment segments; null if it has none. */
async function jpegWithoutMetadata(path: string): Promise<Range[] | null> {
  const fh = await open(path);
  try {
    const size = (await fh.stat()).size;
    const keep: Range[] = [[0, 2]];
    let pos = 2;
    let dropped = false;
    while (pos + 4 <= size) {
      const h = await readAt(fh, pos, 4);
      if (h[0] !== 0xff) return null;
      const marker = h[1] ?? 0;
      if (marker === 0xff) {
        pos++;
        continue;
      }
      // Start of scan: the rest is image data.
      if (marker === 0xda) break;
      if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        keep.push([pos, pos + 2]);
        pos += 2;
        continue;
      }
      const end = pos + 2 + h.readUInt16BE(2);
      const drop = marker === 0xe1 || (marker >= 0xe3 && marker <= 0xef && marker !== 0xee) || marker === 0xfe;
      if (drop) dropped = true;
      else keep.push([pos, end]);
      pos = end;
    }
    if (!dropped) return null;
    keep.push([pos, size]);
    return keep;
  } finally {
    await fh.close();
  }
}

const PNG_METADATA = new Set(["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]);

/** Byte ranges of a PNG without its EXIF, text and time chunks; null if it has none. */
async function pngWithoutMetadata(path: string): Promise<Range[] | null> {
  const fh = await open(path);
  try {
    const size = (await fh.stat()).size;
    const keep: Range[] = [];
    let start = 0;
    let pos = 8;
    let dropped = false;
    while (pos + 8 <= size) {
      const h = await readAt(fh, pos, 8);
      const end = pos + 12 + h.readUInt32BE(0);
      if (PNG_METADATA.has(h.toString("latin1", 4, 8))) {
        dropped = true;
        if (pos > start) keep.push([start, pos]);
        start = end;
      }
      pos = end;
    }
    if (!dropped) return null;
    if (size > start) keep.push([start, size]);
    return keep;
  } finally {
    await fh.close();
  }
}

async function copyRanges(src: string, dst: string, ranges: readonly Range[]): Promise<{ path: string; size: number }> {
  const out = createWriteStream(dst, { flags: "wx", mode: 0o600 });
  try {
    await pipeline(async function* () {
      for (const [start, end] of ranges) {
        if (end > start) yield* createReadStream(src, { start, end: end - 1 });
      }
    }, out);
  } catch (err) {
    await rm(dst, { force: true });
    throw err;
  }
  return { path: dst, size: (await stat(dst)).size };
}
