import { type IncomingHttpHeaders, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { download, png, uploaded } from "../test/files.ts";
import { registerUser, startTestServer, type TestServer, type TestUser } from "../test/harness.ts";

/**
 * What each class of content is served as. Nothing runs on our origin: every
 * answer is nosniff and sandboxed, and only raster images, audio and video
 * are inline — whatever the uploader claimed.
 */
let server: TestServer;
let ada: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  ada = await registerUser(server, "ada");
});
afterAll(() => server.dispose());

const enc = (s: string) => new TextEncoder().encode(s);
const SVG = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(1)</script></svg>`;
const HTML = "<!doctype html><html><body><script>fetch('/trpc/auth.me')</script></body></html>";
const PDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
// The smallest MP3 frame header file-type recognises, and a WebM (EBML) header.
const MP3 = Uint8Array.from([0x49, 0x44, 0x33, 0x03, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64, ...new Array(400).fill(0)]);

async function served(bytes: Uint8Array, name: string, claimed: string) {
  const f = await uploaded(server, ada.accessToken, bytes, { name, contentType: claimed });
  const res = await download(server, ada.accessToken, `/files/${f.id}/${encodeURIComponent(name)}`);
  await res.arrayBuffer();
  return { type: f.contentType, headers: res.headers, status: res.status };
}

function expectSandboxed(h: Headers) {
  expect(h.get("x-content-type-options")).toBe("nosniff");
  expect(h.get("content-security-policy")).toBe("sandbox; default-src 'none'");
  expect(h.get("cache-control")).toBe("private");
}

describe("download headers", () => {
  it("an HTML file uploaded as image/png: not an image, served as an attachment, sandboxed", async () => {
    const r = await served(enc(HTML), "cat.png", "image/png");
    expect(r.type).not.toMatch(/^image\//);
    expect(r.headers.get("content-type")).not.toMatch(/html|image/);
    expect(r.headers.get("content-disposition")).toMatch(/^attachment;/);
    expectSandboxed(r.headers);
  });

  it("an SVG uploaded as image/png: an attachment, never inline", async () => {
    const r = await served(enc(SVG), "logo.png", "image/png");
    expect(r.type).not.toBe("image/png");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment;/);
    expectSandboxed(r.headers);
  });

  it("a PDF: its type, as an attachment", async () => {
    const r = await served(enc(PDF), "report.pdf", "application/pdf");
    expect(r.type).toBe("application/pdf");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment;/);
    expectSandboxed(r.headers);
  });

  it("a raster image: inline, with its sniffed type whatever was claimed", async () => {
    const r = await served(await png(4, 4), "pic.txt", "text/html");
    expect(r.type).toBe("image/png");
    expect(r.headers.get("content-type")).toBe("image/png");
    expect(r.headers.get("content-disposition")).toMatch(/^inline;/);
    expectSandboxed(r.headers);
  });

  it("audio: inline (players need it), ranges accepted", async () => {
    const r = await served(MP3, "song.mp3", "audio/mpeg");
    expect(r.type).toBe("audio/mpeg");
    expect(r.headers.get("content-disposition")).toMatch(/^inline;/);
    expect(r.headers.get("accept-ranges")).toBe("bytes");
    expectSandboxed(r.headers);
  });

  it("unknown bytes: application/octet-stream, an attachment", async () => {
    const r = await served(Uint8Array.from([0, 1, 2, 3, 255, 254, 0, 9]), "blob", "image/gif");
    expect(r.type).toBe("application/octet-stream");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment;/);
  });

  it("names the file for the browser in ASCII and UTF-8, without breaking the header", async () => {
    const r = await served(enc("hi"), 'r\u00e9sum\u00e9 "final".txt', "text/plain");
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="r_sum_ _final_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt`);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  });
});

describe("FILES_ORIGIN", () => {
  it("redirects an allowed download to a short-lived signed URL on the files origin, which serves nothing else", async () => {
    const files = await startTestServer({ FILES_ORIGIN: "http://files.localhost:9" });
    try {
      const u = await registerUser(files, "ada");
      const f = await uploaded(files, u.accessToken, await png(6, 6), { name: "a.png" });
      const res = await download(files, u.accessToken, `/files/${f.id}/a.png`);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(location.origin).toBe("http://files.localhost:9");
      const viaFilesHost = (path: string) => rawGet(files.url, path, "files.localhost:9");
      const signed = await viaFilesHost(`${location.pathname}${location.search}`);
      expect(signed.status).toBe(200);
      expect(signed.headers["content-type"]).toBe("image/png");
      expect(signed.headers["content-security-policy"]).toBe("sandbox; default-src 'none'");
      expect(signed.headers["x-content-type-options"]).toBe("nosniff");
      const forged = location.search.replace(/sig=[^&]+/, "sig=AAAA");
      expect((await viaFilesHost(`${location.pathname}${forged}`)).status).toBe(404);
      expect((await viaFilesHost("/trpc/auth.me")).status).toBe(404);
      expect((await viaFilesHost(`/files/${f.id}/a.png`)).status).toBe(404);
    } finally {
      await files.dispose();
    }
  });
});

/** A GET with a Host of our choosing (fetch does not let one set it). */
function rawGet(base: string, path: string, host: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}
