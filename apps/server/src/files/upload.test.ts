import { readdirSync } from "node:fs";
import { request } from "node:http";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answer, download, jpegWithGps, killedUpload, png, pngBomb, upload, uploaded } from "../test/files.ts";
import { eventually, registerUser, startTestServer, type TestServer, type TestUser } from "../test/harness.ts";
import { type S3Server, startS3 } from "../test/s3.ts";
import { newFileId } from "./upload.ts";

async function storedKeys(server: TestServer): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of server.storage.list()) keys.push(o.key);
  return keys;
}

const fileRows = (server: TestServer) => server.svc.db.selectFrom("files").select("id").execute();

// The same suite on both storage backends: a directory, and a real S3-compatible server (s3rver).
describe.each(["local", "s3"] as const)("uploads (%s storage)", (backend) => {
  let s3: S3Server | null = null;
  let server: TestServer;
  let ada: TestUser;

  beforeAll(async () => {
    if (backend === "s3") s3 = await startS3();
    server = await startTestServer({ MAX_UPLOAD_BYTES: String(1024 * 1024), UPLOAD_QUOTA_BYTES: "0", ...(s3?.env ?? {}) });
    ada = await registerUser(server, "ada");
  });
  afterAll(async () => {
    await server.dispose();
    await s3?.close();
  });

  it("stores a raw upload under a random id, with the type sniffed and the image measured", async () => {
    const a = await uploaded(server, ada.accessToken, await png(40, 30), { name: "dir/../shot.png", contentType: "text/html" });
    const b = await uploaded(server, ada.accessToken, await png(40, 30), { name: "shot.png" });
    expect(a).toMatchObject({ name: "shot.png", contentType: "image/png", width: 40, height: 30 });
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.id).not.toBe(b.id);
    const res = await download(server, ada.accessToken, `/files/${a.id}/shot.png`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(a.size);
  });

  it("takes a multipart upload, its name from the file part", async () => {
    const f = await uploaded(server, ada.accessToken, new TextEncoder().encode("hello, world\n"), { multipart: true, name: "notes.txt" });
    expect(f).toMatchObject({ name: "notes.txt", contentType: "text/plain", size: 13 });
    expect(f.width).toBeUndefined();
  });

  it("refuses a declared body past MAX_UPLOAD_BYTES with 413 before reading it", async () => {
    const { hostname, port } = new URL(server.url);
    // Headers only: the answer must come without a byte of the body having been sent.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: hostname, port, method: "POST", path: "/files", headers: { authorization: `Bearer ${ada.accessToken}`, "content-length": String(2 * 1024 * 1024) } });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  it("stops a chunked body at the first byte past the limit, and keeps nothing of it", async () => {
    const before = await storedKeys(server);
    const big = new Uint8Array(1024 * 1024 + 1);
    const res = await fetch(`${server.url}/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${ada.accessToken}`, "x-filename": "big.bin" },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit).catch(() => null);
    // The server may cut the connection once it has answered: the 413 or a reset are both a refusal.
    if (res) expect(res.status).toBe(413);
    await eventually(async () => readdirSync(server.storage.spoolDir).length === 0);
    expect(await storedKeys(server)).toEqual(before);
  });

  it("leaves no partial file anywhere when the client is killed mid-upload", async () => {
    const before = await storedKeys(server);
    const rows = (await fileRows(server)).length;
    await killedUpload(server, ada.accessToken, 512 * 1024, 100 * 1024);
    await eventually(async () => readdirSync(server.storage.spoolDir).length === 0);
    // A positive sync point: a later upload completes, so the killed one was handled before it.
    await uploaded(server, ada.accessToken, new TextEncoder().encode("after"));
    expect((await storedKeys(server)).length).toBe(before.length + 1);
    expect((await fileRows(server)).length).toBe(rows + 1);
  });

  it("refuses a decompression bomb, and an image past IMAGE_MAX_PIXELS", async () => {
    const bomb = await pngBomb(60_000);
    expect(bomb.length).toBeLessThan(200);
    const r = await upload(server, ada.accessToken, bomb, { name: "bomb.png" });
    expect(r.status).toBe(413);
    expect(r.body.error?.code).toBe("too_many_pixels");
  });

  it("strips EXIF (GPS, camera serial) from the stored original and the thumbnails", async () => {
    const original = await jpegWithGps(64, 48);
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const f = await uploaded(server, ada.accessToken, original, { name: "trip.jpg" });
    const bytes = Buffer.from(await (await download(server, ada.accessToken, `/files/${f.id}/trip.jpg`)).arrayBuffer());
    const meta = await sharp(bytes).metadata();
    expect(meta.exif).toBeUndefined();
    expect(bytes.includes(Buffer.from("SerialNo123"))).toBe(false);
    expect(meta.width).toBe(64);
    const thumb = Buffer.from(await (await download(server, ada.accessToken, `/files/${f.id}/thumb?size=320`)).arrayBuffer());
    expect((await sharp(thumb).metadata()).exif).toBeUndefined();
  });

  it("thumbnails as WebP in 320 and 1024 px boxes, never upscaled", async () => {
    const big = await uploaded(server, ada.accessToken, await png(2000, 1000), { name: "wide.png" });
    const small = await uploaded(server, ada.accessToken, await png(100, 50), { name: "small.png" });
    const sizeOf = async (path: string) => {
      const res = await download(server, ada.accessToken, path);
      expect(res.headers.get("content-type")).toBe("image/webp");
      const m = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      return [m.format, m.width, m.height];
    };
    expect(await sizeOf(`/files/${big.id}/thumb?size=320`)).toEqual(["webp", 320, 160]);
    expect(await sizeOf(`/files/${big.id}/thumb?size=1024`)).toEqual(["webp", 1024, 512]);
    expect(await sizeOf(`/files/${small.id}/thumb?size=1024`)).toEqual(["webp", 100, 50]);
    expect((await download(server, ada.accessToken, `/files/${big.id}/thumb?size=500`)).status).toBe(404);
    const text = await uploaded(server, ada.accessToken, new TextEncoder().encode("not an image"));
    expect((await download(server, ada.accessToken, `/files/${text.id}/thumb?size=320`)).status).toBe(404);
  });

  it("serves byte ranges, and 416 for one past the end", async () => {
    const bytes = new TextEncoder().encode("0123456789abcdefghij");
    const f = await uploaded(server, ada.accessToken, bytes, { name: "digits.txt" });
    const part = await download(server, ada.accessToken, `/files/${f.id}/digits.txt`, { range: "bytes=5-9" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 5-9/20");
    expect(await part.text()).toBe("56789");
    const tail = await download(server, ada.accessToken, `/files/${f.id}/digits.txt`, { range: "bytes=-3" });
    expect(await tail.text()).toBe("hij");
    const past = await answer(await download(server, ada.accessToken, `/files/${f.id}/digits.txt`, { range: "bytes=50-" }));
    expect(past.status).toBe(416);
    expect(past.headers["content-range"]).toBe("bytes */20");
  });
});

describe("upload quota", () => {
  it("refuses an upload that would take a user past UPLOAD_QUOTA_BYTES, with 413", async () => {
    const server = await startTestServer({ UPLOAD_QUOTA_BYTES: "1000" });
    try {
      const u = await registerUser(server, "quota");
      await uploaded(server, u.accessToken, new Uint8Array(600));
      const second = await upload(server, u.accessToken, new Uint8Array(600));
      expect(second.status).toBe(413);
      expect(second.body.error?.code).toBe("quota_exceeded");
      // Someone else's quota is their own.
      const other = await registerUser(server, "quota");
      expect((await upload(server, other.accessToken, new Uint8Array(600))).status).toBe(201);
    } finally {
      await server.dispose();
    }
  });
});

describe("file ids", () => {
  it("are 22 base64url characters and never start with a dash (a command line would read it as options)", () => {
    // Without the rule, 10,000 draws all passing has probability (63/64)^10000, about 1e-69.
    const ids = Array.from({ length: 10_000 }, newFileId);
    expect(ids.filter((id) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
