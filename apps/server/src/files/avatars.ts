import type { IncomingMessage, ServerResponse } from "node:http";
import { buffer } from "node:stream/consumers";
import { type AvatarMaker, authenticate, type Services } from "@parley/api";
import { currentAvatar } from "@parley/db";
import type { Logger } from "pino";
import { notFound, SAFETY_HEADERS, sendStored } from "./serve.ts";
import { loadSharp } from "./sharp.ts";
import type { FileStorage } from "./storage.ts";
import { newFileId } from "./upload.ts";

/** The avatar's side in pixels: sharp for the largest size the app shows (96 px at 2×), small to fetch in lists. */
export const AVATAR_SIZE = 192;

/**
 * Avatars (issue 16): the api's `AvatarMaker`. The source upload is decoded
 * by sharp on its threadpool (the pixel limit applies again), turned the
 * right way up (EXIF rotation), cropped to its centre square and written as
 * a WebP of its own, under a new file id, without metadata.
 */
export function avatarMaker(storage: FileStorage, maxPixels: number, logger: Logger): AvatarMaker {
  return {
    async make(source) {
      const stream = await storage.get(source.id);
      if (!stream) return null;
      const input = await buffer(stream);
      const sharp = await loadSharp();
      let out: Buffer;
      try {
        out = await sharp(input, { limitInputPixels: maxPixels })
          .rotate()
          .resize({ width: AVATAR_SIZE, height: AVATAR_SIZE, fit: "cover", position: "centre" })
          .webp({ quality: 82 })
          .toBuffer();
      } catch (err) {
        logger.debug({ err, file: source.id }, "not an avatar: the image does not decode");
        return null;
      }
      const id = newFileId();
      await storage.putBuffer(id, out, "image/webp");
      return { id, name: "avatar.webp", size: out.length, contentType: "image/webp", width: AVATAR_SIZE, height: AVATAR_SIZE };
    },
  };
}

/**
 * `GET|HEAD /files/avatars/<id>`: anyone signed in may see anyone's current
 * avatar (it is part of the public profile); a replaced or removed one, or
 * an id that is not an avatar, is the same 404 as a missing file. Served
 * from the app's origin with the headers of every file: it is an image we
 * encoded ourselves, never the uploaded bytes.
 */
export async function serveAvatar(svc: Services, storage: FileStorage, req: IncomingMessage, res: ServerResponse, id: string, token: string | null): Promise<void> {
  const auth = await authenticate(svc, token);
  if (!auth) {
    res.writeHead(401, { ...SAFETY_HEADERS, "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" }).end("sign in");
    return;
  }
  const file = await currentAvatar(svc.db, id);
  if (!file) {
    notFound(res);
    return;
  }
  await sendStored(req, res, storage, { key: file.id, name: file.name, size: Number(file.size), contentType: file.content_type, etag: `"${file.id}"` });
}
