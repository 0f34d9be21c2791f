import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate, readableFile, type Services } from "@parley/api";
import { findFile, type FileRow } from "@parley/db";
import type { Logger } from "pino";
import type { Edge } from "../boundary.ts";
import type { FilesConfig } from "../config.ts";
import type { OriginPolicy } from "../origins.ts";
import { HttpRefusal, type RequestHost } from "../request-target.ts";
import { serveAvatar } from "./avatars.ts";
import { notFound, SAFETY_HEADERS, sendBuffer, sendStored } from "./serve.ts";
import type { FileStorage } from "./storage.ts";
import { THUMB_SIZES, type ThumbSize, type Thumbnails } from "./thumbs.ts";
import { receiveUpload, UploadRefusal } from "./upload.ts";

export interface FileRouteDeps {
  svc: Services;
  storage: FileStorage;
  thumbnails: Thumbnails;
  config: FilesConfig;
  origins: OriginPolicy;
  /** Signs files-origin URLs (derived from SECRET_KEY, so every node agrees). */
  secretKey: string;
  logger: Logger;
}

/** How long a signed files-origin URL works: long enough to load, too short to be worth sharing. */
const SIGNED_URL_SECONDS = 300;

const bearer = (req: IncomingMessage) => {
  const h = req.headers.authorization;
  return h?.startsWith("Bearer ") ? h.slice(7) : null;
};

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(body));

/**
 * `POST /files`, `GET|HEAD /files/<id>/<name>`, `GET|HEAD /files/<id>/thumb?size=320|1024`,
 * and, with FILES_ORIGIN, the same downloads on that origin by signed URL only.
 */
export function createFileRoutes(deps: FileRouteDeps) {
  const filesHost = deps.config.filesOrigin ? new URL(deps.config.filesOrigin) : null;
  const signingKey = createHmac("sha256", deps.secretKey).update("parley files-origin urls").digest();
  const sign = (variant: string, exp: number) => createHmac("sha256", signingKey).update(`${variant}\n${exp}`).digest("base64url");

  function signedUrl(file: FileRow, size: ThumbSize | null): string {
    const exp = Math.floor(deps.svc.now() / 1000) + SIGNED_URL_SECONDS;
    const path = size === null ? `/files/${file.id}/${encodeURIComponent(file.name)}?` : `/files/${file.id}/thumb?size=${size}&`;
    return `${deps.config.filesOrigin}${path}exp=${exp}&sig=${sign(`${file.id}:${size ?? "file"}`, exp)}`;
  }

  function validSignature(id: string, size: ThumbSize | null, q: URLSearchParams): boolean {
    const exp = Number(q.get("exp"));
    const sig = Buffer.from(q.get("sig") ?? "");
    if (!Number.isInteger(exp) || exp < deps.svc.now() / 1000) return false;
    const want = Buffer.from(sign(`${id}:${size ?? "file"}`, exp));
    return sig.length === want.length && timingSafeEqual(sig, want);
  }

  /** Parses `/files/<id>/<name>` and `/files/<id>/thumb?size=…`; null for anything else under /files. */
  function target(edge: Edge): { id: string; size: ThumbSize | null; q: URLSearchParams } | null {
    const [, id, name, ...rest] = edge.target.segments;
    if (id === undefined || name === undefined || rest.length > 0) return null;
    const q = new URLSearchParams(edge.target.search);
    const sizeParam = q.get("size");
    if (name === "thumb" && sizeParam !== null) {
      const size = THUMB_SIZES.find((s) => String(s) === sizeParam);
      return size === undefined ? null : { id, size, q };
    }
    return { id, size: null, q };
  }

  async function serve(req: IncomingMessage, res: ServerResponse, file: FileRow, size: ThumbSize | null): Promise<void> {
    if (size === null) {
      await sendStored(req, res, deps.storage, { key: file.id, name: file.name, size: Number(file.size), contentType: file.content_type, etag: `"${file.id}"` });
      return;
    }
    const thumb = await deps.thumbnails.get(file, size);
    if (!thumb) notFound(res);
    else sendBuffer(req, res, thumb, "image/webp", `${file.name}.${size}.webp`, `"${file.id}.${size}"`);
  }

  async function download(req: IncomingMessage, res: ServerResponse, edge: Edge): Promise<void> {
    const auth = await authenticate(deps.svc, bearer(req));
    // Without credentials the answer cannot depend on the id: it says nothing about which files exist.
    if (!auth) {
      res.writeHead(401, { ...SAFETY_HEADERS, "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" }).end("sign in");
      return;
    }
    const t = target(edge);
    const file = t ? await readableFile(deps.svc.db, auth.userId, t.id) : undefined;
    if (!t || !file) {
      notFound(res);
      return;
    }
    if (deps.config.filesOrigin) {
      // Checked here, served there: the signed URL is issued only after the access check.
      res.writeHead(302, { ...SAFETY_HEADERS, "cache-control": "no-store", location: signedUrl(file, t.size) }).end();
      return;
    }
    await serve(req, res, file, t.size);
  }

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = await authenticate(deps.svc, bearer(req));
    if (!auth) {
      refuseBody(req, res, 401, { error: { code: "unauthorized", message: "Sign in to upload" } });
      return;
    }
    try {
      const file = await receiveUpload(deps.svc, deps.storage, deps.config, auth.userId, req);
      json(res, 201, file);
    } catch (err) {
      if (!(err instanceof UploadRefusal)) throw err;
      refuseBody(req, res, err.status, { error: { code: err.code, message: err.message } });
    }
  }

  /** Answers and closes the connection: whatever is left of the body is never read. */
  function refuseBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    res.once("finish", () => req.destroy());
    res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify(body));
  }

  function cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!deps.origins.originAllowed(origin)) throw new HttpRefusal(403, "origin not allowed");
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "origin");
    res.setHeader("access-control-allow-headers", "authorization, content-type, x-filename, range");
    res.setHeader("access-control-allow-methods", "GET, HEAD, POST, OPTIONS");
    res.setHeader("access-control-expose-headers", "content-disposition, content-range, content-length");
    res.setHeader("access-control-max-age", "600");
  }

  return {
    /** Requests addressed to FILES_ORIGIN: signed downloads and nothing else. */
    isFilesHost(host: RequestHost | null): boolean {
      if (!filesHost || !host) return false;
      const port = host.port === "" ? (filesHost.protocol === "https:" ? "443" : "80") : host.port;
      const want = filesHost.port === "" ? (filesHost.protocol === "https:" ? "443" : "80") : filesHost.port;
      return host.hostname === filesHost.hostname && port === want;
    },
    async handleFilesHost(req: IncomingMessage, res: ServerResponse, edge: Edge): Promise<void> {
      const t = edge.target.segments[0] === "files" && (req.method === "GET" || req.method === "HEAD") ? target(edge) : null;
      const file = t && validSignature(t.id, t.size, t.q) ? await findFile(deps.svc.db, t.id) : undefined;
      // Any origin may read what a valid signature grants: the URL is the credential, and no cookie rides along.
      res.setHeader("access-control-allow-origin", "*");
      if (!t || !file) notFound(res);
      else await serve(req, res, file, t.size);
    },
    /** Everything under /files on the app's origin. */
    async handle(req: IncomingMessage, res: ServerResponse, edge: Edge): Promise<void> {
      cors(req, res);
      if (req.method === "OPTIONS") {
        res.writeHead(204).end();
        return;
      }
      if (edge.target.segments.length === 1) {
        if (req.method !== "POST") throw new HttpRefusal(405, "method not allowed", { allow: "POST, OPTIONS" });
        await upload(req, res);
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") throw new HttpRefusal(405, "method not allowed", { allow: "GET, HEAD, OPTIONS" });
      const [, first, avatarId, ...more] = edge.target.segments;
      if (first === "avatars" && avatarId !== undefined && more.length === 0) await serveAvatar(deps.svc, deps.storage, req, res, avatarId, bearer(req));
      else await download(req, res, edge);
    },
  };
}

export type FileRoutes = ReturnType<typeof createFileRoutes>;
