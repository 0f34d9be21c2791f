import { randomBytes } from "node:crypto";
import { createReadStream, type Dirent } from "node:fs";
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";

/**
 * Where uploaded bytes live (issue 16): a local directory on one machine,
 * S3-compatible object storage for several nodes (s3.ts). Every object
 * appears whole or not at all: uploads are spooled to a temporary file
 * first (`spoolDir`), and only a complete one is moved in.
 */
export interface FileStorage {
  readonly kind: "local" | "s3";
  /** Where upload bodies are written while they stream in; a partial one is never visible as an object. */
  readonly spoolDir: string;
  /** Moves a complete spooled file in under `key` (the spooled file is gone afterwards). */
  putFile(key: string, path: string, size: number, contentType: string): Promise<void>;
  putBuffer(key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's bytes (`range`: inclusive, as HTTP says), or null if there is none. */
  get(key: string, range?: ByteRange): Promise<Readable | null>;
  /** The object's size, or null if there is none. */
  size(key: string): Promise<number | null>;
  /** Deletes what exists of `keys`. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every object, for the storage check. */
  list(): AsyncIterable<{ key: string; size: number }>;
  close(): Promise<void>;
}

export interface ByteRange {
  start: number;
  end: number;
}

/** Keys are file ids and derived names (`<id>.t320.webp`): nothing that could climb out of a directory. */
const KEY = /^[A-Za-z0-9_-]{22}(\.[a-z0-9]+)*$/;
export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a storage key: ${JSON.stringify(key)}`);
  return key;
}

/** A fresh name in the spool directory. */
export const spoolPath = (storage: FileStorage) => join(storage.spoolDir, `${randomBytes(12).toString("hex")}.part`);

/** Spooled files older than this are left over from a crash or a kill, never in use: removed at start-up and by the sweep. */
export const STALE_SPOOL_MS = 3600 * 1000;

export async function cleanSpool(dir: string, now: number, olderThanMs = STALE_SPOOL_MS): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const s = await stat(path).catch(() => null);
    if (s && now - s.mtimeMs > olderThanMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * One directory (`UPLOADS_DIR`): objects under a two-character fan-out
 * (`ab/abcdef…`) so no directory grows huge, the spool in `.partial` on the
 * same file system, so moving a complete upload in is one atomic rename.
 */
export async function openLocalStorage(root: string): Promise<FileStorage> {
  const spoolDir = join(root, ".partial");
  await mkdir(spoolDir, { recursive: true, mode: 0o700 });
  const pathOf = (key: string) => join(root, checkKey(key).slice(0, 2), key);
  const ensureDir = (key: string) => mkdir(join(root, key.slice(0, 2)), { recursive: true, mode: 0o700 });
  return {
    kind: "local",
    spoolDir,
    async putFile(key, path) {
      await ensureDir(key);
      await rename(path, pathOf(key));
    },
    async putBuffer(key, body) {
      await ensureDir(key);
      const tmp = join(spoolDir, `${randomBytes(12).toString("hex")}.part`);
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, pathOf(key));
    },
    async get(key, range) {
      const path = pathOf(key);
      if ((await stat(path).catch(() => null)) === null) return null;
      return createReadStream(path, range ? { start: range.start, end: range.end } : {});
    },
    async size(key) {
      const s = await stat(pathOf(key)).catch(() => null);
      return s?.isFile() ? s.size : null;
    },
    async delete(keys) {
      await Promise.all(keys.map((k) => unlink(pathOf(k)).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? undefined : Promise.reject(err)))));
    },
    async *list() {
      const fanout = await readdir(root, { withFileTypes: true });
      for (const d of fanout) {
        if (!d.isDirectory() || d.name === ".partial") continue;
        const entries: Dirent[] = await readdir(join(root, d.name), { withFileTypes: true });
        for (const e of entries) {
          if (!e.isFile()) continue;
          const s = await stat(join(root, d.name, e.name)).catch(() => null);
          if (s) yield { key: e.name, size: s.size };
        }
      }
    },
    async close() {},
  };
}
