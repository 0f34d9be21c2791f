import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Plugin } from "vite";

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

/** Text formats worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg", ".json", ".webmanifest", ".txt", ".map", ".ico"]);
/** Below this a compressed copy saves less than its headers cost. */
const MIN_BYTES = 1024;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Writes `file.br` and `file.gz` beside every compressible file of the build,
 * at the strongest settings (done once per build, not per request), keeping
 * only a copy that is smaller. The server picks one by the request's
 * Accept-Encoding (apps/server/src/static.ts). node:zlib only: no library.
 */
export async function precompressDir(dir: string): Promise<{ files: number; bytes: number; br: number; gz: number }> {
  const totals = { files: 0, bytes: 0, br: 0, gz: 0 };
  for await (const path of files(dir)) {
    if (!COMPRESSIBLE.has(extname(path)) || (await stat(path)).size < MIN_BYTES) continue;
    const raw = await readFile(path);
    const [b, g] = await Promise.all([
      brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
      gz(raw, { level: constants.Z_BEST_COMPRESSION }),
    ]);
    totals.files++;
    totals.bytes += raw.length;
    if (b.length < raw.length) {
      await writeFile(`${path}.br`, b);
      totals.br += b.length;
    }
    if (g.length < raw.length) {
      await writeFile(`${path}.gz`, g);
      totals.gz += g.length;
    }
  }
  return totals;
}

/** The post-build step as a Vite plugin, so every build (`vite build`, the e2e setup's `build()`) gets it. */
export function precompress(): Plugin {
  let outDir = "dist";
  return {
    name: "parley-precompress",
    apply: "build",
    configResolved(config) {
      // resolve, not join: an absolute --outDir stays as given.
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const t = await precompressDir(outDir);
      this.info(`precompressed ${t.files} files: ${t.bytes} B → brotli ${t.br} B, gzip ${t.gz} B`);
    },
  };
}
