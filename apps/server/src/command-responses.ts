import type { IncomingMessage, ServerResponse } from "node:http";
import { type CommandResponsePost, postCommandResponse, type Services } from "@parley/api";
import { readBody } from "./hooks.ts";
import { HttpRefusal } from "./request-target.ts";

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

const STATUS: Record<Extract<CommandResponsePost, { kind: "refused" }>["code"], number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 404,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
};

/**
 * `POST /command-responses/<secret>`: a custom command's late answer (issue
 * 17). As for incoming webhooks, the secret is the only credential, and a
 * wrong, expired or used-up one is the 404 of a path that does not exist.
 */
export async function serveCommandResponse(svc: Services, segments: readonly string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  const result = await postCommandResponse(svc, secret, body, typeof key === "string" && key.length > 0 && key.length <= 255 ? key : null);
  switch (result.kind) {
    case "posted":
      json(res, 200, { ok: true, messageId: result.messageId });
      return;
    case "told":
      json(res, 200, { ok: true });
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
