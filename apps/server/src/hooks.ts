import type { IncomingMessage, ServerResponse } from "node:http";
import { postToWebhook, type Services, type WebhookPost } from "@parley/api";
import { HttpRefusal } from "./request-target.ts";

/** A webhook body is a message and a few fields: far below this. */
const MAX_BODY_BYTES = 64 * 1024;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

/** The body, or null when it is over the limit (the rest is not read). */
export async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

const STATUS: Record<Extract<WebhookPost, { kind: "refused" }>["code"], number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 404,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
};

/**
 * `POST /hooks/<secret>` (incoming webhooks, issue 17). The secret is the
 * only credential, so every way of not matching one (malformed, wrong,
 * rotated away, revoked) is the same 404 as a path that does not exist.
 * `Idempotency-Key` becomes the message's clientId: a retried POST stores one message.
 */
export async function serveHook(svc: Services, segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const secret = segments[1];
  if (segments.length !== 2 || secret === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(secret)) throw new HttpRefusal(404, "not found");
  if (req.method !== "POST") throw new HttpRefusal(405, "method not allowed", { allow: "POST" });
  const raw = await readBody(req);
  if (raw === null) {
    json(res, 413, { ok: false, error: "body too large" }, { connection: "close" });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    body = undefined;
  }
  const key = req.headers["idempotency-key"];
  const result = await postToWebhook(svc, secret, body, typeof key === "string" && key.length > 0 && key.length <= 255 ? key : null);
  switch (result.kind) {
    case "posted":
      json(res, 200, { ok: true, messageId: result.message.id });
      return;
    case "not-found":
      throw new HttpRefusal(404, "not found");
    case "bad-request":
      json(res, 400, { ok: false, error: result.message });
      return;
    case "refused":
      json(res, STATUS[result.code], { ok: false, error: result.message }, result.code === "TOO_MANY_REQUESTS" ? { "retry-after": "1" } : {});
      return;
  }
}
