import { buffer } from "node:stream/consumers";
import { THUMBNAILED_TYPES } from "@parley/api";
import type { FileRow } from "@parley/db";
import { loadSharp } from "./sharp.ts";
import type { FileStorage } from "./storage.ts";

export const THUMB_SIZES = [320, 1024] as const;
export type ThumbSize = (typeof THUMB_SIZES)[number];

export const thumbKey = (fileId: string, size: ThumbSize) => `${fileId}.t${size}.webp`;

/**
 * WebP previews in a 320 or 1024 px bounding box, never upscaled, made on
 * first request and kept in storage beside the original. Decoding runs on
 * sharp's threadpool, so the event loop (sends, deliveries) never waits for
 * it; the pixel limit is enforced again here, in case the limit was lowered
 * since the upload. Output carries no metadata: sharp writes none unless
 * asked. Concurrent first requests for one thumbnail share one job.
 */
export function createThumbnails(storage: FileStorage, maxPixels: number) {
  const making = new Map<string, Promise<Buffer | null>>();

  async function make(file: FileRow, size: ThumbSize): Promise<Buffer | null> {
    const source = await storage.get(file.id);
    if (!source) return null;
    const input = await buffer(source);
    const sharp = await loadSharp();
    try {
      const out = await sharp(input, { limitInputPixels: maxPixels })
        .rotate()
        .resize({ width: size, height: size, fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
      await storage.putBuffer(thumbKey(file.id, size), out, "image/webp");
      return out;
    } catch {
      // Undecodable or over the limit: no preview, and the file still downloads.
      return null;
    }
  }

  return {
    /** The thumbnail's bytes, or null when the file has none. */
    async get(file: FileRow, size: ThumbSize): Promise<Buffer | null> {
      if (!THUMBNAILED_TYPES.has(file.content_type)) return null;
      const key = thumbKey(file.id, size);
      const stored = await storage.get(key);
      if (stored) return buffer(stored);
      let job = making.get(key);
      if (!job) {
        job = make(file, size).finally(() => making.delete(key));
        making.set(key, job);
      }
      return job;
    },
  };
}

export type Thumbnails = ReturnType<typeof createThumbnails>;
