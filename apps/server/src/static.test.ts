import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acceptedCodings } from "./static.ts";
import { type TestServer, startTestServer } from "./test/harness.ts";
import { rawGet } from "./test/raw-http.ts";

// A build as apps/web/precompress.ts leaves it: each text file with .br and .gz copies beside it.
const root = mkdtempSync(join(tmpdir(), "parley-static-"));
const web = join(root, "web");
const JS = `export const app = "${"parley ".repeat(400)}";`;
const HTML = `<!doctype html><title>app</title>${"<!-- padding -->".repeat(100)}`;
let server: TestServer;

const bytes = (body: string) => Buffer.from(body, "latin1");
const get = (target: string, acceptEncoding?: string, method?: string) =>
  rawGet(server.port, target, { headers: acceptEncoding === undefined ? [] : [`Accept-Encoding: ${acceptEncoding}`], ...(method ? { method } : {}) });

beforeAll(async () => {
  mkdirSync(join(web, "assets"), { recursive: true });
  const write = (path: string, text: string) => {
    writeFileSync(path, text);
    writeFileSync(`${path}.br`, brotliCompressSync(text));
    writeFileSync(`${path}.gz`, gzipSync(text));
  };
  write(join(web, "index.html"), HTML);
  write(join(web, "assets", "app-3f9a1c.js"), JS);
  // Only the plain file, and a .br that is a link out of the web directory.
  writeFileSync(join(web, "assets", "plain-77aa.css"), "body{}");
  writeFileSync(join(root, "outside.br"), "not yours");
  writeFileSync(join(web, "assets", "linked-1234.js"), JS);
  symlinkSync(join(root, "outside.br"), join(web, "assets", "linked-1234.js.br"));
  server = await startTestServer({ WEB_DIR: web });
});
afterAll(async () => {
  await server.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe("precompressed static files", () => {
  it("sends the brotli copy to a client that takes it, the same bytes once decoded, varying by Accept-Encoding", async () => {
    const r = await get("/assets/app-3f9a1c.js", "gzip, deflate, br");
    expect(r.status).toBe(200);
    expect(r.headers["content-encoding"]).toBe("br");
    expect(r.headers.vary).toBe("Accept-Encoding");
    expect(r.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(Number(r.headers["content-length"])).toBe(bytes(r.body).length);
    expect(bytes(r.body).length).toBeLessThan(JS.length / 4);
    expect(brotliDecompressSync(bytes(r.body)).toString()).toBe(JS);
  });

  it("sends gzip when brotli is refused or not offered, and the plain file when neither is taken", async () => {
    for (const header of ["gzip", "br;q=0, gzip", "gzip;q=1, br;q=0.5, *;q=0"]) {
      const r = await get("/assets/app-3f9a1c.js", header);
      expect(r.headers["content-encoding"], header).toBe("gzip");
      expect(gunzipSync(bytes(r.body)).toString()).toBe(JS);
    }
    for (const header of [undefined, "identity", "br;q=0, gzip;q=0", "deflate"]) {
      const r = await get("/assets/app-3f9a1c.js", header);
      expect(r.headers["content-encoding"], String(header)).toBeUndefined();
      expect(r.headers.vary).toBe("Accept-Encoding");
      expect(r.body).toBe(JS);
    }
  });

  it("caches hashed assets for a year as immutable, and revalidates index.html (also for client-side routes)", async () => {
    expect((await get("/assets/app-3f9a1c.js", "br")).headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    for (const target of ["/", "/index.html", "/rooms/12"]) {
      const r = await get(target, "br");
      expect(r.headers["cache-control"], target).toBe("no-cache");
      expect(r.headers["content-encoding"], target).toBe("br");
      expect(brotliDecompressSync(bytes(r.body)).toString()).toBe(HTML);
    }
  });

  it("answers HEAD with the headers of the copy it would send, and no body", async () => {
    const r = await get("/assets/app-3f9a1c.js", "br", "HEAD");
    expect(r.headers["content-encoding"]).toBe("br");
    expect(Number(r.headers["content-length"])).toBe(brotliCompressSync(JS).length);
    expect(r.body).toBe("");
  });

  it("serves the plain file when there is no copy, and never follows a copy that links out of the web directory", async () => {
    const plain = await get("/assets/plain-77aa.css", "br, gzip");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body).toBe("body{}");
    const linked = await get("/assets/linked-1234.js", "br");
    expect(linked.headers["content-encoding"]).toBeUndefined();
    expect(linked.body).toBe(JS);
  });
});

describe("Accept-Encoding", () => {
  it("takes codings in order of q, drops q=0, and reads * as any coding not named", () => {
    expect(acceptedCodings(undefined)).toEqual([]);
    expect(acceptedCodings("gzip, br")).toEqual(["br", "gzip"]);
    expect(acceptedCodings("br;q=0.2, gzip;q=0.8")).toEqual(["gzip", "br"]);
    expect(acceptedCodings("BR;Q=0, gzip")).toEqual(["gzip"]);
    expect(acceptedCodings("*")).toEqual(["br", "gzip"]);
    expect(acceptedCodings("*;q=0, gzip")).toEqual(["gzip"]);
    expect(acceptedCodings("br;q=abc")).toEqual([]);
  });
});
