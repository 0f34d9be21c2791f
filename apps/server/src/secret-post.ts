import type { IncomingMessage, ServerResponse } from "node:http";
import type { CommandResponsePost, WebhookPost } from "@parley/api";
import { HttpRefusal } from "./request-target.ts";

/** A webhook or command answer is a message and a few fields: far below this. */
const MAX_BODY_BYTES = 64 * 1024;

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

/** The body, or null when it is over the limit (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<Buffer | null> {
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

export interface SecretPost {
  secret: string;
  /** The parsed JSON, or undefined when it is not JSON (the domain answers that as a bad request). */
  body: unknown;
  /** `Idempotency-Key`, when it is usable as a clientId. */
  idempotencyKey: string | null;
}

/**
 * `POST /<kind>/<secret>` with a JSON body: incoming webhooks and command
 * response URLs (issue 17). The secret is the only credential, so a
 * malformed one is the 404 of a path that does not exist. Null: the body was
 * over the limit, and 413 has been answered.
 */
export async function readSecretPost(segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<SecretPost | null> {
  const secret = segments[1];
  if (segments.length !== 2 || secret === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(secret)) throw new HttpRefusal(404, "not found");
  if (req.method !== "POST") throw new HttpRefusal(405, "method not allowed", { allow: "POST" });
  const raw = await readBody(req);
  if (raw === null) {
    json(res, 413, { ok: false, error: "body too large" }, { connection: "close" });
    return null;
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    body = undefined;
  }
  const key = req.headers["idempotency-key"];
  return { secret, body, idempotencyKey: typeof key === "string" && key.length > 0 && key.length <= 255 ? key : null };
}

type Refusal = Extract<WebhookPost | CommandResponsePost, { kind: "not-found" | "bad-request" | "refused" }>;

const STATUS: Record<Extract<Refusal, { kind: "refused" }>["code"], number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 404,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
};

/** A refused post, answered the same way for both: not found is the 404 of a missing path. */
export function answerRefusal(res: ServerResponse, result: Refusal): void {
  switch (result.kind) {
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
