import { connect } from "node:net";
import sharp from "sharp";
import type { Endpoint } from "./harness.ts";

/** Helpers for the file suites (issue 16): uploads over real HTTP, and images made here. */

export interface UploadReply {
  status: number;
  body: { id: string; name: string; size: number; contentType: string; width?: number; height?: number } & { error?: { code: string } };
}

export async function upload(
  server: Endpoint,
  token: string,
  bytes: Uint8Array,
  opts: { name?: string; contentType?: string; multipart?: boolean } = {},
): Promise<UploadReply> {
  const name = opts.name ?? "file.bin";
  let body: FormData | Uint8Array;
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (opts.multipart) {
    const form = new FormData();
    form.append("note", "ignored");
    form.append("file", new Blob([bytes], { type: opts.contentType ?? "application/octet-stream" }), name);
    body = form;
  } else {
    body = bytes;
    headers["content-type"] = opts.contentType ?? "application/octet-stream";
    headers["x-filename"] = encodeURIComponent(name);
  }
  const res = await fetch(`${server.url}/files`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as UploadReply["body"] };
}

/** Uploads and expects success. */
export async function uploaded(server: Endpoint, token: string, bytes: Uint8Array, opts: Parameters<typeof upload>[3] = {}) {
  const r = await upload(server, token, bytes, opts);
  if (r.status !== 201) throw new Error(`upload failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export const download = (server: Endpoint, token: string | null, path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, redirect: "manual" });

/** Status, body and headers, minus the ones that differ between any two answers (date, request id). */
export async function answer(res: Response): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (k !== "date" && k !== "x-request-id") headers[k] = v;
  });
  return { status: res.status, headers, body: await res.text() };
}

export const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .png()
    .toBuffer();

/** A JPEG carrying EXIF with a GPS position and a camera serial. */
export const jpegWithGps = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withExif({ IFD0: { Make: "ParleyCam", Model: "SerialNo123" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "51/1 30/1 0/1" } })
    .toBuffer();

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A decompression bomb: a few hundred bytes whose header claims `side`×`side` pixels. */
export async function pngBomb(side: number): Promise<Buffer> {
  const small = Buffer.from(await png(1, 1));
  // IHDR is the first chunk: length(4) "IHDR"(4) width(4) height(4)…, its CRC over type and data.
  small.writeUInt32BE(side, 16);
  small.writeUInt32BE(side, 20);
  small.writeUInt32BE(crc32(small.subarray(12, 29)), 29);
  return small;
}

/**
 * A raw request whose body is cut off: the headers promise `declared`
 * bytes, `sent` are written, then the socket is destroyed (a killed client).
 */
export function killedUpload(server: Endpoint, token: string, declared: number, sent: number): Promise<void> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => {
      s.write(
        `POST /files HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/octet-stream\r\nX-Filename: cut.bin\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      s.write(Buffer.alloc(sent, 7), () => {
        s.destroy();
        resolve();
      });
    });
    s.on("error", reject);
  });
}
