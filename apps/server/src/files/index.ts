import { type FileBlobs, type Services, sweepOrphans } from "@parley/api";
import type { Logger } from "pino";
import type { FilesConfig } from "../config.ts";
import { cleanSpool, type FileStorage, openLocalStorage } from "./storage.ts";
import { THUMB_SIZES, thumbKey } from "./thumbs.ts";

export { avatarMaker } from "./avatars.ts";
export { createFileRoutes, type FileRoutes } from "./routes.ts";
export { createThumbnails } from "./thumbs.ts";
export type { FileStorage } from "./storage.ts";

/** The configured backend: S3 when S3_BUCKET is set, else the local directory. */
export async function openStorage(config: FilesConfig): Promise<FileStorage> {
  const spoolDir = `${config.uploadsDir}/.partial`;
  // The S3 SDK is loaded only by servers configured for it.
  const storage = config.s3 ? await (await import("./s3.ts")).openS3Storage({ ...config.s3, spoolDir }) : await openLocalStorage(config.uploadsDir);
  // Spool files left by a crash or a kill: never visible as files, but they take space.
  await cleanSpool(storage.spoolDir, Date.now());
  return storage;
}

/** Every key a file has in storage: the original and its thumbnails. */
export const storageKeys = (id: string) => [id, ...THUMB_SIZES.map((s) => thumbKey(id, s))];

/** What the api deletes through: a file's original and thumbnails; a failure is logged (the check command finds what is left). */
export function fileBlobs(storage: FileStorage, logger: Logger): FileBlobs {
  return {
    async remove(ids) {
      await storage.delete(ids.flatMap(storageKeys)).catch((err: unknown) => logger.warn({ err, files: ids.length }, "could not delete files from storage"));
    },
  };
}

export const SWEEP_EVERY_MS = 3600 * 1000;

/**
 * The orphan sweep, hourly: uploads never attached for a day, and stale
 * spool files. Started by the app (nothing runs on import); `stop` ends it.
 */
export function startSweeper(svc: Services, storage: FileStorage, logger: Logger, everyMs = SWEEP_EVERY_MS): { stop(): void } {
  let busy = false;
  const tick = async () => {
    // A slow sweep is not run twice at once.
    if (busy) return;
    busy = true;
    try {
      const now = svc.now();
      const removed = await sweepOrphans(svc, now);
      const spool = await cleanSpool(storage.spoolDir, now);
      if (removed + spool > 0) logger.info({ removed, spool }, "file sweep");
    } catch (err) {
      logger.warn({ err }, "file sweep failed; trying again next hour");
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
